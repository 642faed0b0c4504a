#include "easel/image/grey_png_transparency.hpp"

#include <string_view>
#include <vector>

#include "easel/image/byte_order.hpp"

namespace easel {
namespace {

std::string_view chunk_type(std::span<const std::uint8_t> bytes, std::size_t chunk_start) {
  return {reinterpret_cast<const char*>(bytes.data() + chunk_start + 4), 4};
}

constexpr int kGreyColourType = 0;
constexpr std::size_t kFirstChunk = 8;      // after the signature
constexpr std::size_t kChunkOverhead = 12;  // length, type, CRC

}  // namespace

std::optional<std::uint16_t> grey_png_transparent_level(std::span<const std::uint8_t> png) {
  constexpr std::size_t kIhdrEnd = 33;
  if (png.size() < kIhdrEnd || png[25] != kGreyColourType) return std::nullopt;
  const int bit_depth = png[24];
  if (bit_depth > 16) return std::nullopt;
  // tRNS must come before the first IDAT, so the walk stops there.
  for (std::size_t position = kFirstChunk; position + kChunkOverhead <= png.size();) {
    const std::uint32_t length = read_big_endian_32(png, position);
    const std::string_view type = chunk_type(png, position);
    if (type == "IDAT" || length > png.size() - position - kChunkOverhead) return std::nullopt;
    if (type == "tRNS" && length == 2) {
      const int level = read_big_endian_16(png, position + 8);
      const int largest = (1 << bit_depth) - 1;
      if (level > largest) return std::nullopt;  // libpng ignores such a chunk too
      // 1, 2 and 4-bit levels are scaled to 8 bits (their largest values 1, 3 and 15 all divide 255).
      return static_cast<std::uint16_t>(bit_depth >= 8 ? level : level * (255 / largest));
    }
    position += kChunkOverhead + length;
  }
  return std::nullopt;
}

cv::Mat grey_to_rgba_with_key(const cv::Mat& grey, std::uint16_t transparent) {
  cv::Mat transparent_mask;
  cv::compare(grey, cv::Scalar(transparent), transparent_mask, cv::CMP_EQ);
  cv::Mat alpha(grey.size(), grey.type(), cv::Scalar(grey.depth() == CV_16U ? 65535 : 255));
  alpha.setTo(0, transparent_mask);
  cv::Mat rgba;
  cv::merge(std::vector<cv::Mat>{grey, grey, grey, alpha}, rgba);
  return rgba;
}

}  // namespace easel
