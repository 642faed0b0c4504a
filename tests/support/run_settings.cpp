#include "support/run_settings.hpp"

#include "easel/settings/environment.hpp"

namespace easel::test {

SegmenterSettings installed_segmenter(SegmenterPolicy policy) {
  SegmenterSettings segmenter = settings::segmenter_from_environment(settings::model_paths_from_environment());
  segmenter.policy = policy;
  return segmenter;
}

RunContext run_context() {
  RunContext context;
  context.segmenter = installed_segmenter();
  return context;
}

}  // namespace easel::test
