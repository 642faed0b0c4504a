#pragma once
// Decoding and encoding of PNG, JPEG and WebP with explicit limits and output metadata.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "easel/image/image.hpp"

namespace easel {

enum class ImageFormat { png, jpeg, webp };

const char* format_name(ImageFormat format);  // "png", "jpeg", "webp"
// From a file extension (.png, .jpg, .jpeg, .webp; any case); throws Error(usage) naming the allowed ones.
ImageFormat format_from_extension(const std::filesystem::path& path);
// From a user-given name ("png", "jpeg", "jpg", "webp"); throws Error(usage).
ImageFormat format_from_name(const std::string& name);

struct DecodeLimits {
  std::uint64_t max_pixels = 40'000'000;          // width × height
  std::uint64_t max_bytes = 50ull * 1024 * 1024;  // encoded file size
};

// What the header says, read without decoding any pixel data.
struct ImageInfo {
  ImageFormat format = ImageFormat::png;
  int width = 0;
  int height = 0;
  int bit_depth = 8;  // per channel as stored
  int channels = 0;   // as stored (palette PNG: 1)
  bool has_alpha = false;
};

// Reads the header only. Throws Error(input) for an unknown or truncated header.
ImageInfo probe_image(std::span<const std::uint8_t> bytes);

struct DecodedImage {
  Image image;  // rgba8, or rgba_f32 for 16-bit sources
  ImageInfo info;
};

// Checks size limits from the header before any pixel buffer is allocated, then decodes.
// JPEG EXIF orientation is applied; grey, palette, CMYK sources become RGBA.
// Throws Error(input) with the reason (format, truncation, limit exceeded and the limit's value).
DecodedImage decode_image(std::span<const std::uint8_t> bytes, const DecodeLimits& limits);

// Reads a file (size checked against the limit before reading), checks that its content matches its
// extension, and decodes it. Error messages name the file.
DecodedImage read_image_file(const std::filesystem::path& path, const DecodeLimits& limits);

// IPTC digital source type written into outputs (cv.iptc.org/newscodes/digitalsourcetype).
enum class DigitalSourceType {
  algorithmically_enhanced,                  // deterministic edits of a photograph
  composite_with_trained_algorithmic_media,  // a photograph with generated parts
  trained_algorithmic_media,                 // wholly generated
};
const char* digital_source_type_uri(DigitalSourceType type);

struct OutputMetadata {
  DigitalSourceType source_type = DigitalSourceType::algorithmically_enhanced;
  std::string plan_json;  // the EditPlan (and parameters) that produced the image; may be empty
  std::string software = "Easel";
};

struct EncodeOptions {
  ImageFormat format = ImageFormat::png;
  int quality = 92;         // JPEG and WebP, 1..100; WebP 100 = lossless
  int png_compression = 6;  // 0..9
  int png_bit_depth = 8;    // 8 or 16 (16 keeps float precision)
};

// Reads back what encode_image wrote (for tests and for inputs that Easel produced earlier).
// Throws Error(input) when the data carries no Easel/IPTC metadata.
OutputMetadata read_output_metadata(std::span<const std::uint8_t> encoded);

// Encodes with metadata (XMP: IPTC digital source type, the plan, the software). JPEG has no alpha:
// transparent pixels are composited over white. Throws Error(usage) for invalid options.
std::vector<std::uint8_t> encode_image(const Image& image, const EncodeOptions& options,
                                       const OutputMetadata& metadata);

// Writes to a temporary file beside the target, then renames it, so a failed write never leaves a
// partial file under the target name. Throws Error(output).
void write_file_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

// Reads a whole file; throws Error(input) naming the file when it cannot be read.
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path);

}  // namespace easel
