// Reading an image's dimensions from its header, before any pixel buffer exists, so that limits can
// refuse decompression bombs in microseconds.
#include <turbojpeg.h>
#include <webp/decode.h>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>

#include "easel/core/error.hpp"
#include "easel/image/byte_order.hpp"
#include "easel/image/codec.hpp"
#include "easel/image/completeness.hpp"

namespace easel {
namespace {

bool starts_with(std::span<const std::uint8_t> bytes, std::initializer_list<std::uint8_t> prefix,
                 std::size_t offset = 0) {
  if (bytes.size() < offset + prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset));
}

struct PngColourType {
  int channels;
  bool has_alpha;
  std::uint32_t allowed_bit_depths;  // bit n set: depth n is valid
};

constexpr std::uint32_t depths(std::initializer_list<int> allowed) {
  std::uint32_t mask = 0;
  for (const int depth : allowed) mask |= 1u << depth;
  return mask;
}

PngColourType png_colour_type(int colour_type) {
  switch (colour_type) {
    case 0:
      return {1, false, depths({1, 2, 4, 8, 16})};  // grey
    case 2:
      return {3, false, depths({8, 16})};  // RGB
    case 3:
      return {1, false, depths({1, 2, 4, 8})};  // palette (a tRNS chunk may add alpha; only decoding tells)
    case 4:
      return {2, true, depths({8, 16})};  // grey + alpha
    case 6:
      return {4, true, depths({8, 16})};  // RGBA
    default:
      throw Error(ErrorKind::input, "PNG header has an invalid colour type " + std::to_string(colour_type) +
                                        " (PNG allows 0, 2, 3, 4 and 6)");
  }
}

// The IHDR chunk is read directly: libpng's readers want every chunk up to the first IDAT before they
// report a size, and a bomb needs to be refused from its first 33 bytes alone.
ImageInfo probe_png(std::span<const std::uint8_t> bytes) {
  constexpr std::size_t kHeaderEnd = 33;  // signature (8) + IHDR length, type, 13 data bytes, CRC
  if (bytes.size() < kHeaderEnd || !starts_with(bytes, {0, 0, 0, 13, 'I', 'H', 'D', 'R'}, 8)) {
    throw Error(ErrorKind::input, "PNG header is truncated or has no IHDR chunk (needs at least " +
                                      std::to_string(kHeaderEnd) + " bytes, got " + std::to_string(bytes.size()) + ")");
  }
  const std::uint32_t width = read_big_endian_32(bytes, 16), height = read_big_endian_32(bytes, 20);
  const int bit_depth = bytes[24];
  if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu) {
    throw Error(ErrorKind::input,
                "PNG header gives an invalid size " + std::to_string(width) + "x" + std::to_string(height));
  }
  const PngColourType colour = png_colour_type(bytes[25]);
  if (bit_depth > 16 || (colour.allowed_bit_depths & (1u << bit_depth)) == 0) {
    throw Error(ErrorKind::input, "PNG header has bit depth " + std::to_string(bit_depth) +
                                      ", invalid for colour type " + std::to_string(bytes[25]));
  }
  ImageInfo info;
  info.format = ImageFormat::png;
  info.width = static_cast<int>(width);
  info.height = static_cast<int>(height);
  info.bit_depth = bit_depth;
  info.channels = colour.channels;
  info.has_alpha = colour.has_alpha;
  return info;
}

ImageInfo probe_jpeg(std::span<const std::uint8_t> bytes) {
  const std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitDecompress(), tjDestroy);
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.get(), bytes.data(), static_cast<unsigned long>(bytes.size()), &width, &height,
                          &subsampling, &colorspace) != 0) {
    check_jpeg_complete(bytes);  // a file cut inside its header gets the more precise message
    throw Error(ErrorKind::input,
                std::string("JPEG header is invalid or truncated (") + tjGetErrorStr2(handle.get()) + ")");
  }
  ImageInfo info;
  info.format = ImageFormat::jpeg;
  info.width = width;
  info.height = height;
  info.channels = colorspace == TJCS_GRAY ? 1 : (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) ? 4 : 3;
  return info;
}

ImageInfo probe_webp(std::span<const std::uint8_t> bytes) {
  WebPBitstreamFeatures features{};
  const VP8StatusCode status = WebPGetFeatures(bytes.data(), bytes.size(), &features);
  if (status == VP8_STATUS_NOT_ENOUGH_DATA) throw Error(ErrorKind::input, "WebP header is truncated");
  if (status != VP8_STATUS_OK) throw Error(ErrorKind::input, "WebP header is invalid");
  if (features.has_animation) {
    throw Error(ErrorKind::input, "animated WebP is not supported (only still images can be edited)");
  }
  ImageInfo info;
  info.format = ImageFormat::webp;
  info.width = features.width;
  info.height = features.height;
  info.has_alpha = features.has_alpha != 0;
  info.channels = info.has_alpha ? 4 : 3;
  return info;
}

}  // namespace

ImageInfo probe_image(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) throw Error(ErrorKind::input, "the file is empty (0 bytes)");
  if (starts_with(bytes, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})) return probe_png(bytes);
  if (starts_with(bytes, {0xff, 0xd8, 0xff})) return probe_jpeg(bytes);
  if (starts_with(bytes, {'R', 'I', 'F', 'F'}) && starts_with(bytes, {'W', 'E', 'B', 'P'}, 8)) return probe_webp(bytes);
  throw Error(ErrorKind::input,
              "not a PNG, JPEG or WebP image (unrecognised signature; those are the formats Easel reads)");
}

}  // namespace easel
