#include "easel/vision/segmentation.hpp"

#include <algorithm>
#include <cstdio>
#include <list>
#include <mutex>
#include <utility>

#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>
#include <xxhash.h>

#include "easel/core/error.hpp"
#include "easel/vision/subject_fallback.hpp"
#include "easel/vision/subject_networks.hpp"

namespace easel {
namespace {

// A few recent masks keyed by pixel content and engine: segmentation costs seconds, and one run asks for
// the same image's mask once per region or background op.
class MaskCache {
 public:
  std::optional<SubjectMask> find(const std::string& key) {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == key) {
        entries_.splice(entries_.begin(), entries_, it);
        return SubjectMask{entries_.front().second.alpha.clone(), entries_.front().second.note};
      }
    }
    return std::nullopt;
  }
  void store(const std::string& key, const SubjectMask& mask) {
    std::lock_guard lock(mutex_);
    entries_.emplace_front(key, SubjectMask{mask.alpha.clone(), mask.note});
    if (entries_.size() > kCapacity) entries_.pop_back();
  }

 private:
  static constexpr std::size_t kCapacity = 4;
  std::mutex mutex_;
  std::list<std::pair<std::string, SubjectMask>> entries_;
};

MaskCache& mask_cache() {
  static MaskCache cache;
  return cache;
}

std::string content_key(const Image& image, const std::string& engine) {
  const cv::Mat pixels = image.to_rgba8().mat();
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  const int shape[2] = {pixels.cols, pixels.rows};
  XXH3_128bits_update(state, shape, sizeof shape);
  for (int y = 0; y < pixels.rows; ++y) XXH3_128bits_update(state, pixels.ptr(y), pixels.cols * pixels.elemSize());
  const XXH128_hash_t hash = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  return std::to_string(hash.high64) + ":" + std::to_string(hash.low64) + ":" + engine;
}

bool is_file(const std::filesystem::path& file) {
  std::error_code error;
  return std::filesystem::is_regular_file(file, error);
}

std::string two_decimals(double value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace

SegmenterPolicy parse_segmenter_policy(const std::string& value, const std::string& setting) {
  if (value.empty() || value == "auto") return SegmenterPolicy::automatic;
  if (value == "model") return SegmenterPolicy::model;
  if (value == "fallback") return SegmenterPolicy::fallback;
  throw Error(ErrorKind::usage, setting + " is '" + value + "'; allowed: auto, model, fallback");
}

std::filesystem::path SegmenterSettings::isnet_file() const {
  return !network_file.empty() ? network_file : folder / "isnet-medium-fp32.onnx";
}

std::filesystem::path SegmenterSettings::u2netp_file() const { return folder / "u2netp.onnx"; }

std::optional<SegmentationNetwork> installed_segmentation_network(const SegmenterSettings& settings) {
  if (!settings.network_file.empty()) {
    if (!is_file(settings.network_file)) return std::nullopt;
    const bool u2netp = settings.network_file.filename().string().starts_with("u2netp");
    return SegmentationNetwork{u2netp ? kU2netpModelName : kIsnetModelName, settings.network_file};
  }
  if (settings.folder.empty()) return std::nullopt;
  if (const auto isnet = settings.isnet_file(); is_file(isnet)) return SegmentationNetwork{kIsnetModelName, isnet};
  if (const auto u2netp = settings.u2netp_file(); is_file(u2netp)) return SegmentationNetwork{kU2netpModelName, u2netp};
  return std::nullopt;
}

std::string segmentation_engine(const SegmenterSettings& settings) {
  if (settings.policy == SegmenterPolicy::fallback) return kSegmentationFallbackName;
  if (const auto network = installed_segmentation_network(settings)) return network->name;
  if (settings.policy == SegmenterPolicy::model) {
    const std::string missing =
        !settings.network_file.empty() ? settings.network_file.string() + " (EASEL_SEGMENTATION_MODEL) does not exist"
        : settings.folder.empty()
            ? "no models directory is set (EASEL_MODELS or HOME)"
            : "neither " + settings.isnet_file().string() + " nor " + settings.u2netp_file().string() + " exists";
    throw Error(ErrorKind::capability, "a segmentation model is required (EASEL_SEGMENTATION=model) but " + missing +
                                           "; run `" + kSegmentationModelCommand +
                                           "` to install U²-Net-p (4.6 MB, Apache-2.0)");
  }
  return kSegmentationFallbackName;
}

cv::Mat refine_subject_alpha(const cv::Mat& probability, const Image& image) {
  constexpr double kLow = 0.02, kHigh = 0.98;
  cv::Mat guide;
  cv::cvtColor(image.to_rgba8().mat(), guide, cv::COLOR_RGBA2RGB);
  guide.convertTo(guide, CV_32F, 1.0 / 255);
  // Radius and epsilon were chosen on the ground-truth composites of tests/vision: a radius of
  // 1/256 of the short side (4 px at 1024) with epsilon 0.01 moves the network's edge onto the photo's
  // edge (IoU up by 0.1-0.2 points); larger radii or smaller epsilons let texture near the outline pull
  // the alpha and lose 1-6 points.
  const int radius = std::max(2, std::min(image.width(), image.height()) / 256);
  cv::Mat refined;
  cv::ximgproc::guidedFilter(guide, probability, refined, radius, 1e-2, CV_32F);
  // Only the band where the network was unsure (plus the filter's reach) takes the refined values;
  // elsewhere the network's confident answer stands.
  cv::Mat unsure = (probability > kLow) & (probability < kHigh);
  cv::dilate(unsure, unsure, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1)));
  cv::Mat alpha = probability.clone();
  refined.copyTo(alpha, unsure);
  // Snap near-certain values: the subject's core must be exactly 1 (its pixels stay bit-identical under
  // background edits) and the background exactly 0.
  alpha = (alpha - kLow) / (kHigh - kLow);
  return cv::max(cv::min(alpha, 1.0), 0.0);
}

SubjectMask segment_subject(const Image& image, const SegmenterSettings& settings) {
  const std::string engine = segmentation_engine(settings);
  const auto network = installed_segmentation_network(settings);
  const std::string key = content_key(image, engine + (network ? ":" + network->file.string() : ""));
  if (auto cached = mask_cache().find(key)) {
    return *cached;
  }
  SubjectMask mask;
  mask.note.engine = engine;
  if (engine == kSegmentationFallbackName) {
    const FallbackSegmentation fallback = fallback_segmentation(image);
    mask.alpha = refine_subject_alpha(fallback.probability, image);
    mask.note.confidence = fallback.confidence;
    mask.note.concern = fallback.concern;
  } else {
    const cv::Mat probability = network->name == kU2netpModelName ? u2netp_subject_probability(image, network->file)
                                                                  : isnet_subject_probability(image, network->file);
    mask.alpha = refine_subject_alpha(probability, image);
  }
  mask_cache().store(key, mask);
  return mask;
}

SubjectMask segment_subject_for_edit(const Image& image, const SegmenterSettings& settings) {
  SubjectMask mask = segment_subject(image, settings);
  if (settings.policy == SegmenterPolicy::automatic && mask.note.low_confidence()) {
    throw Error(
        ErrorKind::capability,
        "no segmentation model is installed and the fallback segmenter is not sure what the subject is (confidence " +
            two_decimals(*mask.note.confidence) + ", below " + two_decimals(kFallbackMinimumConfidence) + ": " +
            mask.note.concern + "), so the subject/background edit was not made; run `" + kSegmentationModelCommand +
            "` to install U²-Net-p (4.6 MB, Apache-2.0), give a mask, or set EASEL_SEGMENTATION=fallback to accept the "
            "fallback's mask");
  }
  return mask;
}

std::optional<SegmentationNote> least_trusted(const std::vector<SegmentationNote>& notes) {
  if (notes.empty()) return std::nullopt;
  return *std::min_element(notes.begin(), notes.end(),
                           [](const auto& a, const auto& b) { return a.trust() < b.trust(); });
}

}  // namespace easel
