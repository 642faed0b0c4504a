#pragma once
// Helpers shared by the image-core tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "easel/core/error.hpp"

namespace easel::test {

// Runs `action`, expects an easel::Error of `expected_kind`, and returns its message (empty if none was thrown).
inline std::string error_of(const std::function<void()>& action, ErrorKind expected_kind = ErrorKind::input) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), expected_kind) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "expected an easel::Error";
  return {};
}

// Passes when `text` contains `part`; the failure shows the whole text.
inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// Encodes 8-bit pixels as PNG with libpng's simplified writer (independent of the code under test).
// `format` is a PNG_FORMAT_* value; with a colormap (RGBA entries) the pixels are indices and libpng
// picks the smallest bit depth that holds the palette: 2 entries → 1 bit, 4 → 2, 16 → 4, more → 8.
std::vector<std::uint8_t> write_png(const cv::Mat& pixels, std::uint32_t format,
                                    const std::vector<cv::Vec4b>& colormap = {});

// Encodes a greyscale PNG (CV_8UC1 samples holding `bit_depth`-bit values, or CV_16UC1 for 16 bits)
// whose tRNS chunk marks `transparent_level` as transparent, with libpng's low-level writer.
std::vector<std::uint8_t> write_grey_png_with_transparent_level(const cv::Mat& grey, int bit_depth,
                                                                std::uint16_t transparent_level);

// Reads an 8-bit PNG as RGBA with libpng's simplified reader, as an independent reference decoder.
cv::Mat read_png_rgba_reference(std::span<const std::uint8_t> bytes);

// The same bytes with a chunk cut off the end.
std::vector<std::uint8_t> without_last(std::span<const std::uint8_t> bytes, std::size_t count);

}  // namespace easel::test
