#pragma once
// What the executor carries from step to step: the image, which pixels may differ from the source, and
// how result pixels map back to source pixels.
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"
#include "easel/typeset/text_layer.hpp"
#include "easel/vision/segmentation.hpp"

namespace easel {

struct RenderState {
  Image image;     // rgba8
  cv::Mat edited;  // CV_8U, image size: 255 where a step may have changed the pixel
  // result(x, y) corresponds to source(x - offset.x, y - offset.y) where `edited` is 0; absent once a
  // resampling step (resize) has made every pixel new.
  std::optional<cv::Point> source_offset = cv::Point(0, 0);
  // Every string typeset so far, for OCR verification (kept in the document's disk cache too).
  std::vector<TextLayer> text_layers = {};
  // The generative models that made the latest step's pixels (e.g. "diffusion: /models/sd15"), kept
  // with the state so that a step taken from the cache still names them in its record.
  std::string latest_step_models = {};
  // How the latest step honoured the pixels its plan preserves, kept for the same reason: "" when it
  // preserves nothing or did not touch them, else "shrunk", "moved", "refused" or "resampled", with a
  // note saying what happened.
  std::string latest_step_keep = {};
  std::string latest_step_keep_note = {};
  // What decided the subject/background of the latest step, and how sure it was; kept for the same reason.
  std::optional<SegmentationNote> latest_step_segmentation = {};
};

// The state of an unedited source.
RenderState initial_state(const Image& source);

}  // namespace easel
