#include "vision/segmentation_support.hpp"

#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "easel/vision/segmentation.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

cv::Mat rgba_of(const std::string& photo_name) { return load_photo(photo_name).to_rgba8().mat(); }

// A binary silhouette (255 = shape) scaled to `width`, resampled without interpolation so it stays exact.
cv::Mat scaled_shape(const cv::Mat& shape, int width) {
  const int height = shape.rows * width / shape.cols;
  cv::Mat scaled;
  cv::resize(shape, scaled, cv::Size(width, height), 0, 0, cv::INTER_NEAREST);
  return scaled;
}

// The horse of skimage's horse.png: its dark pixels.
cv::Mat horse_shape() {
  cv::Mat grey;
  cv::cvtColor(rgba_of("horse.png"), grey, cv::COLOR_RGBA2GRAY);
  return grey < 128;
}

// The disc of skimage's logo.png: the convex hull of its coloured pixels (it has a white stripe inside).
cv::Mat logo_shape() {
  const cv::Mat logo = rgba_of("logo.png");
  cv::Mat grey;
  cv::cvtColor(logo, grey, cv::COLOR_RGBA2GRAY);
  std::vector<cv::Point> coloured;
  cv::findNonZero(grey < 200, coloured);
  std::vector<cv::Point> hull;
  cv::convexHull(coloured, hull);
  cv::Mat shape(logo.size(), CV_8U, cv::Scalar(0));
  cv::fillConvexPoly(shape, hull, cv::Scalar(255));
  return shape;
}

// Pastes `texture` (scaled to the shape) through `shape` onto `background` at `origin`; returns the
// composite and its exact truth.
Composite paste(const std::string& name, const cv::Mat& background, const cv::Mat& shape, const cv::Mat& texture,
                cv::Point origin) {
  cv::Mat canvas = background.clone();
  cv::Mat truth(canvas.size(), CV_8U, cv::Scalar(0));
  const cv::Rect place(origin, shape.size());
  cv::Mat fill;
  cv::resize(texture, fill, shape.size(), 0, 0, cv::INTER_AREA);
  fill.copyTo(canvas(place), shape);
  shape.copyTo(truth(place));
  return {name, Image(canvas), truth};
}

}  // namespace

void require_segmentation_model() {
  const std::filesystem::path model = test::installed_segmenter().isnet_file();
  ASSERT_TRUE(std::filesystem::is_regular_file(model))
      << "the segmentation model " << model << " is missing: run `bash scripts/fetch-segmentation-model.sh`";
}

const std::vector<Composite>& composites() {
  static const std::vector<Composite> all = [] {
    std::vector<Composite> made;
    const cv::Mat horse = scaled_shape(horse_shape(), 380);
    made.push_back(paste("horse of cat fur on grass", rgba_of("grass.png"), horse, rgba_of("chelsea.png"),
                         cv::Point(66, 512 - horse.rows - 60)));
    const cv::Mat disc = scaled_shape(logo_shape(), 300);
    made.push_back(paste("logo disc on brick", rgba_of("brick.png"), disc, rgba_of("logo.png"), cv::Point(106, 106)));
    cv::Mat mirrored;
    cv::flip(horse, mirrored, 1);
    made.push_back(paste("mirrored horse of coffee on gravel", rgba_of("gravel.png"), mirrored, rgba_of("coffee.png"),
                         cv::Point(66, 90)));
    return made;
  }();
  return all;
}

double intersection_over_union(const cv::Mat& alpha, const cv::Mat& truth) {
  const cv::Mat predicted = alpha >= 0.5;
  const double intersection = cv::countNonZero(predicted & truth);
  const double joined = cv::countNonZero(predicted | truth);
  return joined > 0 ? intersection / joined : 0;
}

ScopedEnvironment::ScopedEnvironment(std::string name, const std::optional<std::string>& value)
    : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str())) previous_ = old;
  if (value) {
    ::setenv(name_.c_str(), value->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

ScopedEnvironment::~ScopedEnvironment() {
  if (previous_) {
    ::setenv(name_.c_str(), previous_->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

}  // namespace easel::test
