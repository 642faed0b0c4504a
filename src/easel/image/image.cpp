#include "easel/image/image.hpp"

#include <cstring>
#include <string>
#include <utility>

#include <opencv2/core.hpp>

#include "easel/core/error.hpp"

namespace easel {

Image::Image(cv::Mat rgba) : pixels_(std::move(rgba)) {
  if (!pixels_.empty() && pixels_.type() != CV_8UC4 && pixels_.type() != CV_32FC4) {
    throw Error(ErrorKind::internal, "Image needs 8-bit or float RGBA pixels (CV_8UC4 or CV_32FC4), got " +
                                         cv::typeToString(pixels_.type()));
  }
}

Image Image::to_rgba8() const {
  if (type() == PixelType::rgba8) return *this;
  cv::Mat converted;
  pixels_.convertTo(converted, CV_8U, 255.0);
  return Image(converted);
}

Image Image::to_float() const {
  if (type() == PixelType::rgba_f32) return *this;
  cv::Mat converted;
  pixels_.convertTo(converted, CV_32F, 1.0 / 255.0);
  return Image(converted);
}

bool Image::has_transparency() const {
  if (empty()) return false;
  cv::Mat alpha;
  cv::extractChannel(pixels_, alpha, 3);
  double lowest = 0;
  cv::minMaxLoc(alpha, &lowest);
  return type() == PixelType::rgba8 ? lowest < 255 : lowest < 1.0;
}

bool bit_identical(const Image& a, const Image& b) {
  if (a.mat().size() != b.mat().size() || a.mat().type() != b.mat().type()) return false;
  for (int y = 0; y < a.height(); ++y) {
    if (std::memcmp(a.mat().ptr(y), b.mat().ptr(y), a.mat().cols * a.mat().elemSize()) != 0) return false;
  }
  return true;
}

}  // namespace easel
