// Format names and decoding (PNG through libpng, the others through OpenCV's codecs), with limits
// checked from the header first.
#include "easel/image/codec.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/completeness.hpp"
#include "easel/image/grey_png_transparency.hpp"
#include "easel/image/png_decode.hpp"

namespace easel {
namespace fs = std::filesystem;
namespace {

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string display_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::png:
      return "PNG";
    case ImageFormat::jpeg:
      return "JPEG";
    case ImageFormat::webp:
      return "WebP";
  }
  return "image";
}

// "40", "0.24", "10000": megapixels with two decimals only where they matter.
std::string megapixels(std::uint64_t pixels) {
  const std::uint64_t hundredths = (pixels + 5'000) / 10'000;
  std::string text = std::to_string(hundredths / 100);
  if (hundredths % 100 != 0) {
    const std::uint64_t fraction = hundredths % 100;
    text += "." + std::to_string(fraction / 10) + (fraction % 10 != 0 ? std::to_string(fraction % 10) : "");
  }
  return text;
}

void check_byte_limit(std::size_t byte_count, const DecodeLimits& limits) {
  if (byte_count > limits.max_bytes) {
    throw Error(ErrorKind::input, "the file is " + std::to_string(byte_count) + " bytes, above the limit of " +
                                      std::to_string(limits.max_bytes) + " bytes");
  }
  if (byte_count > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw Error(ErrorKind::input, "the file is " + std::to_string(byte_count) + " bytes; the decoder reads at most " +
                                      std::to_string(std::numeric_limits<int>::max()) + " bytes");
  }
}

void check_pixel_limit(const ImageInfo& info, const DecodeLimits& limits) {
  const auto pixels = static_cast<std::uint64_t>(info.width) * static_cast<std::uint64_t>(info.height);
  if (pixels > limits.max_pixels) {
    throw Error(ErrorKind::input, "the " + display_name(info.format) + " is " + std::to_string(info.width) + "x" +
                                      std::to_string(info.height) + " (" + megapixels(pixels) +
                                      " megapixels), above the limit of " + megapixels(limits.max_pixels) +
                                      " megapixels (" + std::to_string(limits.max_pixels) + " pixels)");
  }
}

// OpenCV hands back BGR(A), grey, or 16-bit versions of those; everything becomes RGBA, 16-bit as float.
cv::Mat to_rgba(const cv::Mat& decoded, std::optional<std::uint16_t> transparent_grey) {
  cv::Mat rgba;
  switch (decoded.channels()) {
    case 1:
      if (transparent_grey) {
        rgba = grey_to_rgba_with_key(decoded, *transparent_grey);
      } else {
        cv::cvtColor(decoded, rgba, cv::COLOR_GRAY2RGBA);
      }
      break;
    case 3:
      cv::cvtColor(decoded, rgba, cv::COLOR_BGR2RGBA);
      break;
    case 4:
      cv::cvtColor(decoded, rgba, cv::COLOR_BGRA2RGBA);
      break;
    default:
      throw Error(ErrorKind::internal, "the decoder returned " + std::to_string(decoded.channels()) + " channels");
  }
  if (rgba.depth() == CV_8U) return rgba;
  // Divided in double, not multiplied by a float reciprocal, so every value is exactly sample / 65535.
  cv::Mat as_float(rgba.size(), CV_32FC4);
  std::transform(rgba.begin<cv::Vec<std::uint16_t, 4>>(), rgba.end<cv::Vec<std::uint16_t, 4>>(),
                 as_float.begin<cv::Vec4f>(), [](const cv::Vec<std::uint16_t, 4>& sample) {
                   cv::Vec4f value;
                   for (int c = 0; c < 4; ++c) value[c] = static_cast<float>(sample[c] / 65535.0);
                   return value;
                 });
  return as_float;
}

}  // namespace

const char* format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::png:
      return "png";
    case ImageFormat::jpeg:
      return "jpeg";
    case ImageFormat::webp:
      return "webp";
  }
  return "png";
}

ImageFormat format_from_extension(const fs::path& path) {
  const std::string extension = lowercase(path.extension().string());
  if (extension == ".png") return ImageFormat::png;
  if (extension == ".jpg" || extension == ".jpeg") return ImageFormat::jpeg;
  if (extension == ".webp") return ImageFormat::webp;
  throw Error(ErrorKind::usage,
              path.string() + ": unsupported image extension '" + extension + "' (use .png, .jpg, .jpeg or .webp)");
}

ImageFormat format_from_name(const std::string& name) {
  const std::string lower = lowercase(name);
  if (lower == "png") return ImageFormat::png;
  if (lower == "jpeg" || lower == "jpg") return ImageFormat::jpeg;
  if (lower == "webp") return ImageFormat::webp;
  throw Error(ErrorKind::usage, "unknown image format '" + name + "' (use png, jpeg or webp)");
}

DecodedImage decode_image(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  check_byte_limit(bytes.size(), limits);
  const ImageInfo info = probe_image(bytes);
  check_pixel_limit(info, limits);
  if (info.format == ImageFormat::png) check_png_complete(bytes);
  if (info.format == ImageFormat::jpeg) check_jpeg_complete(bytes);
  // IMREAD_UNCHANGED keeps 16-bit samples and alpha but skips EXIF orientation, which JPEGs need (and
  // which cannot carry alpha or 16-bit samples anyway). IMREAD_COLOR also turns CMYK into BGR.
  const int flags = info.format == ImageFormat::jpeg ? cv::IMREAD_COLOR : cv::IMREAD_UNCHANGED;
  const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data()));
  cv::Mat decoded;
  try {
    decoded = info.format == ImageFormat::png ? decode_png_pixels(bytes) : cv::imdecode(encoded, flags);
  } catch (const cv::Exception& error) {
    throw Error(ErrorKind::input, "the " + display_name(info.format) + " data is corrupt (" + error.msg + ")");
  }
  if (decoded.empty()) throw Error(ErrorKind::input, "the " + display_name(info.format) + " data is corrupt");
  const auto transparent_grey = info.format == ImageFormat::png ? grey_png_transparent_level(bytes) : std::nullopt;
  return {Image(to_rgba(decoded, transparent_grey)), info};
}

DecodedImage read_image_file(const fs::path& path, const DecodeLimits& limits) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (!error && size > limits.max_bytes) {
    throw Error(ErrorKind::input, path.string() + ": the file is " + std::to_string(size) +
                                      " bytes, above the limit of " + std::to_string(limits.max_bytes) + " bytes");
  }
  ImageFormat by_extension{};
  try {
    by_extension = format_from_extension(path);
  } catch (const Error& unsupported) {
    throw Error(ErrorKind::input, unsupported.what());
  }
  const auto bytes = read_file_bytes(path);  // names the file itself when missing or unreadable
  try {
    const ImageInfo info = probe_image(bytes);
    if (info.format != by_extension) {
      throw Error(ErrorKind::input,
                  "content is " + display_name(info.format) + " but the extension says " + display_name(by_extension));
    }
    return decode_image(bytes, limits);
  } catch (const Error& problem) {
    throw Error(problem.kind(), path.string() + ": " + problem.what());
  }
}

}  // namespace easel
