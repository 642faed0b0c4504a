#pragma once
// The classical subject segmenter that runs when no network is installed (docs/segmentation.md, "The
// fallback"): a saliency map seeds GrabCut. It also estimates how far its mask can be trusted, because
// it fails quietly where a subject fills the frame, touches its edges or shares the background's colours.
#include <string>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"

namespace easel {

struct FallbackSegmentation {
  cv::Mat probability;  // CV_32F at the image's size: 1 = subject, 0 = background (soft only from resampling)
  // 0..1, the weakest of three checks (docs/segmentation.md, "How sure the fallback is"): agreement with
  // GrabCut started from a rectangle instead of the saliency seeds; agreement with GrabCut allowed to
  // reach the image's edges; how different the subject's colours are from the background's.
  double confidence = 0;
  std::string concern;  // the weakest check, in words
};

FallbackSegmentation fallback_segmentation(const Image& image);

}  // namespace easel
