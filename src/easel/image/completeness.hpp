#pragma once
// Structural checks that an encoded PNG or JPEG is whole. Decoders fill a cut-off image with grey (JPEG)
// or fail with a generic message (PNG); walking the container first names the real problem.
#include <cstdint>
#include <span>

namespace easel {

// Walks the chunk list up to IEND. Throws Error(input) when the data ends inside a chunk or before IEND.
void check_png_complete(std::span<const std::uint8_t> bytes);

// Walks the marker segments and entropy-coded scans up to the EOI marker. Throws Error(input) when the
// data ends before EOI.
void check_jpeg_complete(std::span<const std::uint8_t> bytes);

}  // namespace easel
