#include "easel/image/png_decode.hpp"

#include <png.h>

#include <cstring>
#include <string>
#include <vector>

#include "easel/core/error.hpp"

namespace easel {
namespace {

struct Reading {
  std::span<const std::uint8_t> bytes;
  std::size_t offset = 0;
  char error[256] = {};  // libpng's reason; a plain array, as libpng unwinds with longjmp
};

void on_error(png_structp png, png_const_charp message) {
  auto* reading = static_cast<Reading*>(png_get_error_ptr(png));
  std::strncpy(reading->error, message, sizeof(reading->error) - 1);
  png_longjmp(png, 1);
}

// Warnings (a CRC error in an ancillary chunk, an odd profile) do not stop decoding, and are not
// the user's business.
void on_warning(png_structp, png_const_charp) {}

void read_from_memory(png_structp png, png_bytep out, std::size_t length) {
  auto* reading = static_cast<Reading*>(png_get_io_ptr(png));
  if (length > reading->bytes.size() - reading->offset) png_error(png, "the data ends early");
  std::memcpy(out, reading->bytes.data() + reading->offset, length);
  reading->offset += length;
}

// The two calls libpng may leave by longjmp, each alone in a function without C++ objects, so that
// no destructor is skipped.
bool read_header(png_structp png, png_infop info) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  return true;
}

// Sets OpenCV's transformations (grfmt_png.cpp, PngDecoder::readData with IMREAD_UNCHANGED) and reads
// the rows.
bool read_pixels(png_structp png, png_infop info, int channels, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  const int bit_depth = png_get_bit_depth(png, info);
  const int color_type = png_get_color_type(png, info);
  if (bit_depth > 8) png_set_swap(png);  // to the machine's (little-endian) 16-bit order
  if (channels < 4) {
    png_set_strip_alpha(png);
  } else {
    png_set_tRNS_to_alpha(png);
  }
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if ((color_type & PNG_COLOR_MASK_COLOR) == 0 && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if ((color_type & PNG_COLOR_MASK_COLOR) != 0 && channels > 1) {
    png_set_bgr(png);
  } else if (channels > 1) {
    png_set_gray_to_rgb(png);
  } else {
    png_set_rgb_to_gray(png, 1, 0.299, 0.587);
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  return true;
}

// Releases libpng's structures however decoding ends.
struct ReadStruct {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~ReadStruct() { png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr); }
};

}  // namespace

cv::Mat decode_png_pixels(std::span<const std::uint8_t> bytes) {
  Reading reading{bytes};
  ReadStruct read;
  read.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reading, on_error, on_warning);
  if (read.png != nullptr) read.info = png_create_info_struct(read.png);
  if (read.info == nullptr) throw Error(ErrorKind::internal, "libpng could not allocate its reader");
  png_set_read_fn(read.png, &reading, read_from_memory);
  const auto corrupt = [&] {
    return Error(ErrorKind::input, std::string("the PNG data is corrupt (") + reading.error + ")");
  };
  if (!read_header(read.png, read.info)) throw corrupt();

  int channels = 1;
  switch (png_get_color_type(read.png, read.info)) {
    case PNG_COLOR_TYPE_RGB:
    case PNG_COLOR_TYPE_PALETTE:
      channels = png_get_valid(read.png, read.info, PNG_INFO_tRNS) != 0 ? 4 : 3;
      break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
    case PNG_COLOR_TYPE_RGB_ALPHA:
      channels = 4;
      break;
    default:
      break;
  }
  const int depth = png_get_bit_depth(read.png, read.info) == 16 ? CV_16U : CV_8U;
  cv::Mat pixels(static_cast<int>(png_get_image_height(read.png, read.info)),
                 static_cast<int>(png_get_image_width(read.png, read.info)), CV_MAKETYPE(depth, channels));
  std::vector<png_bytep> rows(static_cast<std::size_t>(pixels.rows));
  for (int y = 0; y < pixels.rows; ++y) rows[static_cast<std::size_t>(y)] = pixels.ptr(y);
  if (!read_pixels(read.png, read.info, channels, rows.data())) throw corrupt();
  return pixels;
}

}  // namespace easel
