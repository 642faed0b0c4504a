// Inputs that must be refused, each with a message that says what is wrong: decompression bombs,
// limits, truncated and corrupt data, empty files, wrong extensions, missing files.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>

#include "easel/image/codec.hpp"
#include "image_test_support.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;

void write_bytes(const fs::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string decode_error(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {}) {
  return test::error_of([&] { decode_image(bytes, limits); });
}

TEST(Limits, ADecompressionBombIsRefusedFromItsHeaderInMilliseconds) {
  const auto bytes = test::png_bomb_header();
  const ImageInfo info = probe_image(bytes);
  EXPECT_EQ(info.width, 100000);
  EXPECT_EQ(info.height, 100000);
  const auto started = std::chrono::steady_clock::now();
  const std::string message = decode_error(bytes);
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  EXPECT_TRUE(test::contains(message, "100000x100000 (10000 megapixels)"));
  EXPECT_TRUE(test::contains(message, "above the limit of 40 megapixels"));
  EXPECT_LT(elapsed_ms, 50);  // a header check; decoding first would take seconds or run out of memory

  const fs::path file = test::temp_dir() / "bomb.png";
  write_bytes(file, bytes);
  EXPECT_TRUE(test::contains(test::error_of([&] { read_image_file(file, DecodeLimits{}); }),
                             "bomb.png: the PNG is 100000x100000"));
}

TEST(Limits, ConfiguredLimitsApplyToPixelsAndBytes) {
  const auto bytes = read_file_bytes(test::photo("coffee.png"));
  EXPECT_TRUE(test::contains(decode_error(bytes, DecodeLimits{200'000, 50ull << 20}),
                             "600x400 (0.24 megapixels), above the limit of 0.2 megapixels (200000 pixels)"));
  EXPECT_NO_THROW(decode_image(bytes, DecodeLimits{240'000, 50ull << 20}));  // exactly at the limit
  EXPECT_TRUE(test::contains(decode_error(bytes, DecodeLimits{40'000'000, 1000}), "above the limit of 1000 bytes"));
  EXPECT_TRUE(test::contains(test::error_of([&] {
                               read_image_file(test::photo("coffee.png"), DecodeLimits{40'000'000, 1000});
                             }),
                             "coffee.png: the file is 466706 bytes, above the limit of 1000 bytes"));
}

TEST(BadInput, TruncatedPngsAreRefusedWhereverTheyAreCut) {
  const auto png = read_file_bytes(test::photo("coffee.png"));
  EXPECT_TRUE(test::contains(decode_error(test::without_last(png, png.size() / 2)),
                             "PNG data is truncated: it ends inside chunk 'IDAT'"));
  EXPECT_TRUE(test::contains(decode_error(test::without_last(png, 12)),
                             "PNG data is truncated: it ends before the IEND chunk"));
  EXPECT_TRUE(test::contains(decode_error(std::span(png.data(), 20)), "PNG header is truncated"));
}

TEST(BadInput, TruncatedJpegsAreRefusedNotPaddedWithGrey) {
  const auto jpeg = read_file_bytes(test::photo("rocket.jpg"));
  // libjpeg would return these with the missing part grey; only a missing end marker tells.
  EXPECT_TRUE(test::contains(decode_error(test::without_last(jpeg, jpeg.size() / 2)),
                             "JPEG data is truncated: it ends before the end-of-image marker (0xFFD9)"));
  EXPECT_TRUE(test::contains(decode_error(test::without_last(jpeg, 2)), "JPEG data is truncated"));
  // A real truncated file shipped with scikit-image.
  EXPECT_TRUE(test::contains(test::error_of([] { read_image_file(test::photo("truncated.jpg"), DecodeLimits{}); }),
                             "truncated.jpg: the JPEG data is truncated"));
}

TEST(BadInput, EmptyAndRandomBytesAreNamedAsSuch) {
  EXPECT_TRUE(test::contains(decode_error({}), "the file is empty (0 bytes)"));
  std::mt19937 random(7);
  std::vector<std::uint8_t> noise(4096);
  for (auto& byte : noise) byte = static_cast<std::uint8_t>(random());
  noise[0] = 0x42;  // no image signature starts with 'B'
  EXPECT_TRUE(test::contains(decode_error(noise), "not a PNG, JPEG or WebP image"));
  // A valid signature followed by noise.
  std::vector<std::uint8_t> fake_jpeg{0xff, 0xd8, 0xff};
  fake_jpeg.insert(fake_jpeg.end(), noise.begin(), noise.end());
  EXPECT_TRUE(test::contains(decode_error(fake_jpeg), "JPEG"));
  auto fake_png = test::png_bomb_header();
  fake_png[25] = 5;  // no such colour type; the CRC is not what refuses it
  EXPECT_TRUE(test::contains(decode_error(fake_png), "invalid colour type 5"));
}

TEST(BadInput, AnimatedWebpIsRefusedByName) {
  // RIFF header and a VP8X chunk whose flags say "animation" (canvas 16x16).
  const std::vector<std::uint8_t> animated{'R', 'I', 'F', 'F', 22, 0,    0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8',
                                           'X', 10,  0,   0,   0,  0x02, 0, 0, 0,   15,  0,   0,   15,  0,   0};
  EXPECT_TRUE(test::contains(decode_error(animated), "animated WebP is not supported"));
}

TEST(BadInput, FilesNamedWronglyOrMissing) {
  const fs::path dir = test::temp_dir();
  const auto png = read_file_bytes(test::photo("coffee.png"));
  write_bytes(dir / "x.jpg", png);
  EXPECT_TRUE(test::contains(test::error_of([&] { read_image_file(dir / "x.jpg", DecodeLimits{}); }),
                             "x.jpg: content is PNG but the extension says JPEG"));
  write_bytes(dir / "x.gif", png);
  EXPECT_TRUE(test::contains(test::error_of([&] { read_image_file(dir / "x.gif", DecodeLimits{}); }),
                             "x.gif: unsupported image extension '.gif' (use .png, .jpg, .jpeg or .webp)"));
  write_bytes(dir / "empty.png", {});
  EXPECT_TRUE(test::contains(test::error_of([&] { read_image_file(dir / "empty.png", DecodeLimits{}); }),
                             "empty.png: the file is empty"));
  EXPECT_TRUE(test::contains(test::error_of([&] { read_image_file(dir / "missing.png", DecodeLimits{}); }),
                             "missing.png: no such file"));
  fs::create_directories(dir / "folder.png");
  EXPECT_TRUE(test::contains(test::error_of([&] { read_image_file(dir / "folder.png", DecodeLimits{}); }),
                             "folder.png: is a folder"));
  // Upper-case extensions are the same format.
  write_bytes(dir / "UPPER.PNG", png);
  EXPECT_EQ(read_image_file(dir / "UPPER.PNG", DecodeLimits{}).image.width(), 600);
}

}  // namespace
}  // namespace easel
