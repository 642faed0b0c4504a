// Encoding through OpenCV's codecs, then adding the output metadata.
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/image/metadata.hpp"

namespace easel {
namespace {

void check_options(const EncodeOptions& options) {
  if (options.quality < 1 || options.quality > 100) {
    throw Error(ErrorKind::usage, "quality must be 1-100, got " + std::to_string(options.quality));
  }
  if (options.png_compression < 0 || options.png_compression > 9) {
    throw Error(ErrorKind::usage, "PNG compression must be 0-9, got " + std::to_string(options.png_compression));
  }
  if (options.png_bit_depth != 8 && options.png_bit_depth != 16) {
    throw Error(ErrorKind::usage, "PNG bit depth must be 8 or 16, got " + std::to_string(options.png_bit_depth));
  }
}

// OpenCV's encoders take BGR(A). An opaque image drops its alpha channel: smaller files, same pixels.
cv::Mat to_bgr_or_bgra(const cv::Mat& rgba, bool keep_alpha) {
  cv::Mat converted;
  cv::cvtColor(rgba, converted, keep_alpha ? cv::COLOR_RGBA2BGRA : cv::COLOR_RGBA2BGR);
  return converted;
}

cv::Mat png_pixels(const Image& image, int bit_depth) {
  if (bit_depth == 8) {
    const Image rgba8 = image.to_rgba8();
    return to_bgr_or_bgra(rgba8.mat(), rgba8.has_transparency());
  }
  cv::Mat wide;
  image.to_float().mat().convertTo(wide, CV_16U, 65535.0);
  return to_bgr_or_bgra(wide, image.has_transparency());
}

// JPEG has no alpha: composite over white, the way viewers show transparency on paper. Integer
// arithmetic in one pass; fully opaque pixels come out unchanged.
cv::Mat jpeg_pixels(const Image& image) {
  const Image rgba8 = image.to_rgba8();
  cv::Mat bgr(rgba8.mat().size(), CV_8UC3);
  for (int y = 0; y < bgr.rows; ++y) {
    const auto* in = rgba8.mat().ptr<cv::Vec4b>(y);
    auto* out = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      const int alpha = in[x][3];
      const int white_share = 255 * (255 - alpha);
      for (int c = 0; c < 3; ++c)
        out[x][2 - c] = static_cast<std::uint8_t>((in[x][c] * alpha + white_share + 127) / 255);
    }
  }
  return bgr;
}

cv::Mat webp_pixels(const Image& image) {
  const Image rgba8 = image.to_rgba8();
  return to_bgr_or_bgra(rgba8.mat(), rgba8.has_transparency());
}

}  // namespace

std::vector<std::uint8_t> encode_image(const Image& image, const EncodeOptions& options,
                                       const OutputMetadata& metadata) {
  if (image.empty()) throw Error(ErrorKind::internal, "cannot encode an empty image");
  check_options(options);
  cv::Mat pixels;
  std::vector<int> params;
  const char* extension = ".png";
  switch (options.format) {
    case ImageFormat::png:
      pixels = png_pixels(image, options.png_bit_depth);
      params = {cv::IMWRITE_PNG_COMPRESSION, options.png_compression};
      break;
    case ImageFormat::jpeg:
      pixels = jpeg_pixels(image);
      params = {cv::IMWRITE_JPEG_QUALITY, options.quality};
      extension = ".jpg";
      break;
    case ImageFormat::webp:
      pixels = webp_pixels(image);
      // OpenCV switches WebP to lossless only above quality 100.
      params = {cv::IMWRITE_WEBP_QUALITY, options.quality == 100 ? 101 : options.quality};
      extension = ".webp";
      break;
  }
  std::vector<std::uint8_t> encoded;
  try {
    if (!cv::imencode(extension, pixels, encoded, params)) {
      throw Error(ErrorKind::output, std::string("encoding as ") + format_name(options.format) + " failed");
    }
  } catch (const cv::Exception& error) {
    throw Error(ErrorKind::output, std::string("encoding as ") + format_name(options.format) + " failed: " + error.msg);
  }
  return embed_metadata(encoded, metadata);
}

}  // namespace easel
