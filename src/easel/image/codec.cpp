// Decoding and encoding through OpenCV's codecs, with limits checked from the header first.
#include "easel/image/codec.hpp"

#include <turbojpeg.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <memory>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/metadata.hpp"

namespace easel {
namespace fs = std::filesystem;
namespace {

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string upper_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::png: return "PNG";
    case ImageFormat::jpeg: return "JPEG";
    case ImageFormat::webp: return "WebP";
  }
  return "?";
}

void check_limits(const ImageInfo& info, std::size_t byte_count, const DecodeLimits& limits) {
  if (byte_count > limits.max_bytes) {
    throw Error(ErrorKind::input, "the file is " + std::to_string(byte_count) + " bytes, above the limit of " +
                                      std::to_string(limits.max_bytes) + " bytes");
  }
  const auto pixels = static_cast<std::uint64_t>(info.width) * static_cast<std::uint64_t>(info.height);
  if (pixels > limits.max_pixels) {
    throw Error(ErrorKind::input, "the " + upper_name(info.format) + " is " + std::to_string(info.width) + "x" +
                                      std::to_string(info.height) + " (" + std::to_string(pixels / 1'000'000) +
                                      " megapixels), above the limit of " + std::to_string(limits.max_pixels / 1'000'000) +
                                      " megapixels");
  }
}

// libjpeg fills the missing part of a truncated JPEG with grey and only warns, and OpenCV passes that
// image on. A decode at 1/8 scale (DCT scaling: cheap) with warnings made fatal finds truncation first.
void check_jpeg_complete(std::span<const std::uint8_t> bytes, const ImageInfo& info) {
  const std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitDecompress(), tjDestroy);
  const int width = (info.width + 7) / 8, height = (info.height + 7) / 8;
  // CMYK data cannot be converted to grey by libjpeg; it is decoded as it is.
  const int pixel_format = info.channels == 4 ? TJPF_CMYK : TJPF_GRAY;
  std::vector<unsigned char> scratch(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
                                     static_cast<std::size_t>(tjPixelSize[pixel_format]));
  if (tjDecompress2(handle.get(), bytes.data(), static_cast<unsigned long>(bytes.size()), scratch.data(), width, 0, height,
                    pixel_format, TJFLAG_STOPONWARNING) != 0) {
    throw Error(ErrorKind::input, std::string("the JPEG data is truncated or corrupt (") + tjGetErrorStr2(handle.get()) + ")");
  }
}

cv::Mat to_rgba(const cv::Mat& decoded) {
  cv::Mat rgba;
  switch (decoded.channels()) {
    case 1: cv::cvtColor(decoded, rgba, cv::COLOR_GRAY2RGBA); break;
    case 2: {
      std::vector<cv::Mat> grey_alpha;
      cv::split(decoded, grey_alpha);
      cv::merge(std::vector<cv::Mat>{grey_alpha[0], grey_alpha[0], grey_alpha[0], grey_alpha[1]}, rgba);
      break;
    }
    case 3: cv::cvtColor(decoded, rgba, cv::COLOR_BGR2RGBA); break;
    default: cv::cvtColor(decoded, rgba, cv::COLOR_BGRA2RGBA); break;
  }
  if (rgba.depth() == CV_8U) return rgba;
  cv::Mat as_float;
  rgba.convertTo(as_float, CV_32F, rgba.depth() == CV_16U ? 1.0 / 65535.0 : 1.0);
  return as_float;
}

std::string temporary_name(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return "." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

}  // namespace

const char* format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::png: return "png";
    case ImageFormat::jpeg: return "jpeg";
    case ImageFormat::webp: return "webp";
  }
  return "png";
}

ImageFormat format_from_extension(const fs::path& path) {
  const std::string extension = lowercase(path.extension().string());
  if (extension == ".png") return ImageFormat::png;
  if (extension == ".jpg" || extension == ".jpeg") return ImageFormat::jpeg;
  if (extension == ".webp") return ImageFormat::webp;
  throw Error(ErrorKind::usage, path.string() + ": unsupported image extension '" + extension +
                                    "' (use .png, .jpg, .jpeg or .webp)");
}

ImageFormat format_from_name(const std::string& name) {
  const std::string lower = lowercase(name);
  if (lower == "png") return ImageFormat::png;
  if (lower == "jpeg" || lower == "jpg") return ImageFormat::jpeg;
  if (lower == "webp") return ImageFormat::webp;
  throw Error(ErrorKind::usage, "unknown image format '" + name + "' (use png, jpeg or webp)");
}

DecodedImage decode_image(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  const ImageInfo info = probe_image(bytes);
  check_limits(info, bytes.size(), limits);
  if (info.format == ImageFormat::jpeg) check_jpeg_complete(bytes, info);
  // IMREAD_UNCHANGED keeps 16-bit samples and alpha but skips EXIF orientation, which JPEGs need (and
  // which cannot carry alpha or 16-bit samples anyway).
  const int flags = info.format == ImageFormat::jpeg ? cv::IMREAD_COLOR : cv::IMREAD_UNCHANGED;
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data())), flags);
  } catch (const cv::Exception& error) {
    throw Error(ErrorKind::input, "the " + upper_name(info.format) + " data is corrupt (" + error.msg + ")");
  }
  if (decoded.empty()) throw Error(ErrorKind::input, "the " + upper_name(info.format) + " data is truncated or corrupt");
  return {Image(to_rgba(decoded)), info};
}

std::vector<std::uint8_t> read_file_bytes(const fs::path& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) throw Error(ErrorKind::input, path.string() + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::input, path.string() + ": cannot be read");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorKind::input, path.string() + ": read error");
  return bytes;
}

DecodedImage read_image_file(const fs::path& path, const DecodeLimits& limits) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) throw Error(ErrorKind::input, path.string() + ": no such file");
  const auto size = fs::file_size(path, error);
  if (!error && size > limits.max_bytes) {
    throw Error(ErrorKind::input, path.string() + ": the file is " + std::to_string(size) + " bytes, above the limit of " +
                                      std::to_string(limits.max_bytes) + " bytes");
  }
  ImageFormat by_extension{};
  try {
    by_extension = format_from_extension(path);
  } catch (const Error& wrong) {
    throw Error(ErrorKind::input, wrong.what());
  }
  const auto bytes = read_file_bytes(path);
  try {
    const ImageInfo info = probe_image(bytes);
    if (info.format != by_extension) {
      throw Error(ErrorKind::input, "content is " + upper_name(info.format) + " but the extension says " + upper_name(by_extension));
    }
    return decode_image(bytes, limits);
  } catch (const Error& problem) {
    throw Error(problem.kind(), path.string() + ": " + problem.what());
  }
}

const char* digital_source_type_uri(DigitalSourceType type) {
  switch (type) {
    case DigitalSourceType::algorithmically_enhanced:
      return "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicallyEnhanced";
    case DigitalSourceType::composite_with_trained_algorithmic_media:
      return "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia";
    case DigitalSourceType::trained_algorithmic_media:
      return "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
  }
  return "";
}

std::vector<std::uint8_t> encode_image(const Image& image, const EncodeOptions& options, const OutputMetadata& metadata) {
  if (image.empty()) throw Error(ErrorKind::internal, "cannot encode an empty image");
  if (options.quality < 1 || options.quality > 100) throw Error(ErrorKind::usage, "quality must be 1-100, got " + std::to_string(options.quality));
  if (options.png_compression < 0 || options.png_compression > 9) {
    throw Error(ErrorKind::usage, "PNG compression must be 0-9, got " + std::to_string(options.png_compression));
  }
  if (options.png_bit_depth != 8 && options.png_bit_depth != 16) {
    throw Error(ErrorKind::usage, "PNG bit depth must be 8 or 16, got " + std::to_string(options.png_bit_depth));
  }
  cv::Mat bgra;
  std::vector<int> params;
  const char* extension = ".png";
  switch (options.format) {
    case ImageFormat::png: {
      cv::Mat rgba;
      if (options.png_bit_depth == 16) {
        image.to_float().mat().convertTo(rgba, CV_16U, 65535.0);
      } else {
        rgba = image.to_rgba8().mat();
      }
      cv::cvtColor(rgba, bgra, cv::COLOR_RGBA2BGRA);  // into a new buffer: `rgba` may share the caller's pixels
      params = {cv::IMWRITE_PNG_COMPRESSION, options.png_compression};
      break;
    }
    case ImageFormat::jpeg: {
      // No alpha in JPEG: composite over white, the way viewers show transparency on paper.
      cv::Mat rgba_f = image.to_float().mat();
      std::vector<cv::Mat> channels;
      cv::split(rgba_f, channels);
      for (int c = 0; c < 3; ++c) channels[static_cast<std::size_t>(c)] = channels[static_cast<std::size_t>(c)].mul(channels[3]) + (1 - channels[3]);
      cv::Mat rgb_f;
      cv::merge(std::vector<cv::Mat>(channels.begin(), channels.begin() + 3), rgb_f);
      rgb_f.convertTo(bgra, CV_8U, 255.0);
      cv::cvtColor(bgra, bgra, cv::COLOR_RGB2BGR);
      params = {cv::IMWRITE_JPEG_QUALITY, options.quality};
      extension = ".jpg";
      break;
    }
    case ImageFormat::webp:
      cv::cvtColor(image.to_rgba8().mat(), bgra, cv::COLOR_RGBA2BGRA);
      // OpenCV encodes WebP losslessly above quality 100.
      params = {cv::IMWRITE_WEBP_QUALITY, options.quality == 100 ? 101 : options.quality};
      extension = ".webp";
      break;
  }
  std::vector<std::uint8_t> encoded;
  if (!cv::imencode(extension, bgra, encoded, params)) {
    throw Error(ErrorKind::output, std::string("encoding as ") + format_name(options.format) + " failed");
  }
  return embed_metadata(encoded, metadata);
}

void write_file_atomically(const fs::path& path, std::span<const std::uint8_t> bytes) {
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path temporary = folder / temporary_name(path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ErrorKind::output, path.string() + ": cannot write in " + folder.string());
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw Error(ErrorKind::output, path.string() + ": write failed (disk full?)");
    }
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw Error(ErrorKind::output, path.string() + ": cannot be written (" + error.message() + ")");
  }
}

}  // namespace easel
