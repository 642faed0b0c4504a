#pragma once
// Big-endian integers, as PNG and JPEG store them.
#include <cstdint>
#include <span>

namespace easel {

inline std::uint32_t read_big_endian_32(std::span<const std::uint8_t> bytes, std::size_t at) {
  return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) | (std::uint32_t{bytes[at + 2]} << 8) |
         std::uint32_t{bytes[at + 3]};
}

inline std::uint16_t read_big_endian_16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

}  // namespace easel
