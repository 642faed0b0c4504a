#pragma once
// XMP metadata in encoded PNG, JPEG and WebP files, through Exiv2.
#include <cstdint>
#include <vector>

#include "easel/image/codec.hpp"

namespace easel {

// Returns `encoded` with XMP added: Iptc4xmpExt:DigitalSourceType, xmp:CreatorTool and easel:Plan.
std::vector<std::uint8_t> embed_metadata(const std::vector<std::uint8_t>& encoded, const OutputMetadata& metadata);

}  // namespace easel
