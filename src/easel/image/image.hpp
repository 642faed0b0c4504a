#pragma once
// The pixel container every engine shares: 8-bit or float RGBA, channel order R, G, B, A.
// (OpenCV's codecs speak BGR(A); the codec layer converts, so nothing else has to care.)
#include <opencv2/core.hpp>

namespace easel {

enum class PixelType { rgba8, rgba_f32 };

class Image {
 public:
  Image() = default;
  // Takes a CV_8UC4 or CV_32FC4 matrix in RGBA order (float: 0..1 nominal); throws on any other type.
  explicit Image(cv::Mat rgba);

  int width() const { return pixels_.cols; }
  int height() const { return pixels_.rows; }
  bool empty() const { return pixels_.empty(); }
  PixelType type() const { return pixels_.type() == CV_8UC4 ? PixelType::rgba8 : PixelType::rgba_f32; }
  const cv::Mat& mat() const { return pixels_; }
  cv::Mat& mat() { return pixels_; }

  Image clone() const { return Image(pixels_.clone()); }
  Image to_rgba8() const;         // rounds and saturates float values
  Image to_float() const;         // 0..1
  bool has_transparency() const;  // any alpha below fully opaque

 private:
  cv::Mat pixels_;
};

// True when both images have the same size, type and every byte equal.
bool bit_identical(const Image& a, const Image& b);

}  // namespace easel
