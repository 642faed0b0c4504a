#pragma once
// The settings `easel` itself reads from this test's environment (src/easel/settings), for tests that
// run the engine in-process: the segmentation networks scripts/test.sh installs are found where the
// CLI and the server find them.
#include "easel/ops/run_context.hpp"
#include "easel/vision/segmentation.hpp"

namespace easel::test {

// The segmenter as the doors read it (EASEL_MODELS, EASEL_SEGMENTATION_MODEL), under `policy`.
SegmenterSettings installed_segmenter(SegmenterPolicy policy = SegmenterPolicy::automatic);

// A run context with that segmenter and nothing else set (no default diffusion model).
RunContext run_context();

}  // namespace easel::test
