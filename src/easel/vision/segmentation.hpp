#pragma once
// Subject/background segmentation (docs/segmentation.md).
//
// A salient-object network finds the subject when one is installed (scripts/fetch-segmentation-model.sh):
// U²-Net-p (Apache-2.0, the default) or ISNet (AGPL-3.0, optional, more accurate; preferred when both
// are there). Without one a classical fallback runs, a saliency map seeding GrabCut, which estimates its
// own confidence. Either way the mask is refined at full resolution with a guided filter, so hair and
// fine edges follow the photo, and it is exactly 1 inside the subject and exactly 0 well inside the
// background.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"

namespace easel {

// Which segmenter runs: "auto" (default; the best installed network, else the fallback, refused for an
// edit when it is not confident), "model" (a network, or Error(capability) naming the file and how to
// get it), "fallback" (always the classical segmenter, whatever its confidence: the caller has accepted
// it). Anything else is Error(usage) naming `setting` (where the value came from, e.g. EASEL_SEGMENTATION).
enum class SegmenterPolicy { automatic, model, fallback };
SegmenterPolicy parse_segmenter_policy(const std::string& value, const std::string& setting);

inline constexpr const char* kIsnetModelName = "isnet-medium";
inline constexpr const char* kU2netpModelName = "u2netp";
inline constexpr const char* kSegmentationFallbackName = "fallback grabcut";

// Below this confidence the fallback's mask is not used for an edit under the automatic policy
// (docs/segmentation.md, "How sure the fallback is").
inline constexpr double kFallbackMinimumConfidence = 0.5;

// The one command that installs the default network, for messages.
inline constexpr const char* kSegmentationModelCommand = "bash scripts/fetch-segmentation-model.sh";

// Where the networks are, as the caller's settings say (the doors read them: EASEL_SEGMENTATION,
// EASEL_MODELS, EASEL_SEGMENTATION_MODEL; docs/segmentation.md). Default: the automatic policy and no
// network installed, so the fallback runs.
struct SegmenterSettings {
  SegmenterPolicy policy = SegmenterPolicy::automatic;
  std::filesystem::path folder;        // the models directory's segmentation/ folder
  std::filesystem::path network_file;  // one network file that stands for the folder's (may not exist)

  // The ISNet file: network_file when set, else isnet-medium-fp32.onnx in the folder.
  std::filesystem::path isnet_file() const;
  // The U²-Net-p file: u2netp.onnx in the folder.
  std::filesystem::path u2netp_file() const;
};

struct SegmentationNetwork {
  std::string name;  // kIsnetModelName or kU2netpModelName
  std::filesystem::path file;
};
// The network segment_subject runs, if one is installed. With network_file set, that file alone counts
// (a name starting with "u2netp" is read as U²-Net-p, any other as ISNet); otherwise ISNet when its file
// exists, else U²-Net-p.
std::optional<SegmentationNetwork> installed_segmentation_network(const SegmenterSettings& settings);

// The name of what segment_subject runs under these settings (a network's name or
// kSegmentationFallbackName), for reports and cache keys. Throws Error(capability) when the policy
// requires a network and none is installed.
std::string segmentation_engine(const SegmenterSettings& settings);

// What decided a mask and how far to trust it.
struct SegmentationNote {
  std::string engine;                // a network's name or kSegmentationFallbackName
  std::optional<double> confidence;  // the fallback's own estimate, 0..1; absent for a network
  std::string concern;               // the fallback's weakest signal in words; empty for a network

  bool fallback() const { return engine == kSegmentationFallbackName; }
  bool low_confidence() const { return confidence && *confidence < kFallbackMinimumConfidence; }
  // For picking the least trustworthy of several masks: the fallback's confidence; a network's mask
  // ranks above every fallback mask.
  double trust() const { return fallback() ? confidence.value_or(0.0) : 2.0; }
};

struct SubjectMask {
  cv::Mat alpha;  // CV_32F, the image's size: 1 = subject, 0 = background, soft only along edges
  SegmentationNote note;
};

// The subject's refined alpha. Results are cached by pixel content and engine (a few images), so the
// regions and ops of one run segment each image once.
SubjectMask segment_subject(const Image& image, const SegmenterSettings& settings);

// segment_subject for a mask that decides which pixels an edit changes: under the automatic policy a
// fallback mask below kFallbackMinimumConfidence is refused with Error(capability) that says how to get
// a network. An explicit fallback policy accepts it (the report and the doors warn).
SubjectMask segment_subject_for_edit(const Image& image, const SegmenterSettings& settings);

// The least trustworthy of the masks a step used (the fallback's lowest confidence, else any network);
// nullopt when nothing was segmented.
std::optional<SegmentationNote> least_trusted(const std::vector<SegmentationNote>& notes);

// Guided-filter refinement with the photo as guide, then snapping near-certain values to exactly 0 or 1.
cv::Mat refine_subject_alpha(const cv::Mat& probability, const Image& image);

}  // namespace easel
