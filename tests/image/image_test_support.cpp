#include "image_test_support.hpp"

#include <png.h>

namespace easel::test {

std::vector<std::uint8_t> write_png(const cv::Mat& pixels, std::uint32_t format,
                                    const std::vector<cv::Vec4b>& colormap) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(pixels.cols);
  image.height = static_cast<png_uint_32>(pixels.rows);
  image.format = format;
  image.colormap_entries = static_cast<png_uint_32>(colormap.size());
  const void* colormap_data = colormap.empty() ? nullptr : colormap.data();
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data, 0, colormap_data)) << image.message;
  std::vector<std::uint8_t> bytes(size);
  EXPECT_TRUE(png_image_write_to_memory(&image, bytes.data(), &size, 0, pixels.data, 0, colormap_data))
      << image.message;
  bytes.resize(size);
  return bytes;
}

std::vector<std::uint8_t> write_grey_png_with_transparent_level(const cv::Mat& grey, int bit_depth,
                                                                std::uint16_t transparent_level) {
  std::vector<std::uint8_t> bytes;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(
      png, &bytes,
      [](png_structp writer, png_bytep data, png_size_t size) {
        auto* out = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(writer));
        out->insert(out->end(), data, data + size);
      },
      nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(grey.cols), static_cast<png_uint_32>(grey.rows), bit_depth,
               PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_color_16 key{};
  key.gray = transparent_level;
  png_set_tRNS(png, info, nullptr, 0, &key);
  png_write_info(png, info);
  if (bit_depth < 8) png_set_packing(png);  // rows hold one sample per byte
  if (bit_depth == 16) png_set_swap(png);   // rows hold native little-endian samples
  for (int y = 0; y < grey.rows; ++y) png_write_row(png, grey.ptr(y));
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return bytes;
}

cv::Mat read_png_rgba_reference(std::span<const std::uint8_t> bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) << image.message;
  image.format = PNG_FORMAT_RGBA;
  cv::Mat rgba(static_cast<int>(image.height), static_cast<int>(image.width), CV_8UC4);
  EXPECT_TRUE(png_image_finish_read(&image, nullptr, rgba.data, 0, nullptr)) << image.message;
  return rgba;
}

std::vector<std::uint8_t> without_last(std::span<const std::uint8_t> bytes, std::size_t count) {
  return {bytes.begin(), bytes.end() - static_cast<std::ptrdiff_t>(count)};
}

}  // namespace easel::test
