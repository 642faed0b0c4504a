#include "easel/image/completeness.hpp"

#include <string>

#include "easel/core/error.hpp"
#include "easel/image/byte_order.hpp"

namespace easel {
namespace {

[[noreturn]] void throw_truncated(const char* format, const std::string& where, std::size_t size) {
  throw Error(ErrorKind::input, std::string("the ") + format + " data is truncated: it ends " + where + " (file size " +
                                    std::to_string(size) + " bytes)");
}

constexpr std::uint8_t kMarkerPrefix = 0xff;
constexpr std::uint8_t kStartOfScan = 0xda;
constexpr std::uint8_t kEndOfImage = 0xd9;

// Markers that stand alone, without a length field: RST0..RST7 and TEM.
bool is_standalone_marker(std::uint8_t marker) { return (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01; }

std::string marker_name(std::uint8_t marker) {
  constexpr const char* kHexDigits = "0123456789ABCDEF";
  return std::string("0xFF") + kHexDigits[marker >> 4] + kHexDigits[marker & 0x0f];
}

}  // namespace

void check_png_complete(std::span<const std::uint8_t> bytes) {
  constexpr std::size_t kSignatureSize = 8;
  constexpr std::size_t kChunkOverhead = 12;  // length, type, CRC
  std::size_t position = kSignatureSize;
  while (position + kChunkOverhead <= bytes.size()) {
    const std::uint32_t length = read_big_endian_32(bytes, position);
    const std::string type(reinterpret_cast<const char*>(bytes.data() + position + 4), 4);
    if (length > 0x7fffffffu) {
      throw Error(ErrorKind::input, "the PNG data is corrupt: chunk '" + type + "' at byte " +
                                        std::to_string(position) + " claims " + std::to_string(length) +
                                        " bytes (PNG allows at most 2^31-1)");
    }
    const std::size_t chunk_end = position + kChunkOverhead + length;
    if (chunk_end > bytes.size()) {
      throw_truncated("PNG", "inside chunk '" + type + "' at byte " + std::to_string(position), bytes.size());
    }
    if (type == "IEND") return;
    position = chunk_end;
  }
  throw_truncated("PNG", "before the IEND chunk", bytes.size());
}

void check_jpeg_complete(std::span<const std::uint8_t> bytes) {
  std::size_t position = 2;  // after SOI
  while (position < bytes.size()) {
    // libjpeg skips stray bytes before a marker (with a warning), so this walk does too.
    while (position < bytes.size() && bytes[position] != kMarkerPrefix) ++position;
    while (position < bytes.size() && bytes[position] == kMarkerPrefix) ++position;  // fill bytes
    if (position >= bytes.size()) break;
    const std::uint8_t marker = bytes[position++];
    if (marker == kEndOfImage) return;
    if (is_standalone_marker(marker)) continue;
    if (position + 2 > bytes.size()) break;
    const std::size_t segment_end = position + read_big_endian_16(bytes, position);
    if (segment_end > bytes.size()) {
      throw_truncated(
          "JPEG", "inside the segment of marker " + marker_name(marker) + " at byte " + std::to_string(position - 2),
          bytes.size());
    }
    position = segment_end;
    if (marker != kStartOfScan) continue;
    // Entropy-coded data follows; a 0xFF byte in it is stuffed as FF 00 and restart markers may appear,
    // so the scan ends at the first other marker.
    while (position + 1 < bytes.size()) {
      const std::uint8_t next = bytes[position + 1];
      if (bytes[position] == kMarkerPrefix && next != 0 && next != kMarkerPrefix && !is_standalone_marker(next)) break;
      ++position;
    }
    if (position + 1 >= bytes.size()) break;
  }
  throw_truncated("JPEG", "before the end-of-image marker (0xFFD9)", bytes.size());
}

}  // namespace easel
