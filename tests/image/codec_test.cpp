// Decoding every supported variant, refusing bad input specifically, encoding with metadata.
#include <gtest/gtest.h>

#include <png.h>
#include <turbojpeg.h>

#include <chrono>
#include <exiv2/exiv2.hpp>
#include <fstream>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& action, ErrorKind expected_kind = ErrorKind::input) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), expected_kind) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "expected an easel::Error";
  return {};
}

void write_bytes(const fs::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> png_with_format(const cv::Mat& pixels, png_uint_32 format, const png_color* palette = nullptr,
                                          const std::uint8_t* palette_alpha = nullptr, int palette_size = 0) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(pixels.cols);
  image.height = static_cast<png_uint_32>(pixels.rows);
  image.format = format;
  std::vector<std::uint8_t> colormap;
  if (palette) {
    image.colormap_entries = static_cast<png_uint_32>(palette_size);
    for (int i = 0; i < palette_size; ++i) {
      colormap.insert(colormap.end(), {palette[i].red, palette[i].green, palette[i].blue, palette_alpha[i]});
    }
  }
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data, 0, palette ? colormap.data() : nullptr));
  std::vector<std::uint8_t> bytes(size);
  EXPECT_TRUE(png_image_write_to_memory(&image, bytes.data(), &size, 0, pixels.data, 0, palette ? colormap.data() : nullptr));
  bytes.resize(size);
  return bytes;
}

TEST(Decode, RealPhotographsOfEveryKind) {
  const DecodedImage coffee = read_image_file(test::photo("coffee.png"), DecodeLimits{});
  EXPECT_EQ(coffee.image.width(), 600);
  EXPECT_EQ(coffee.image.height(), 400);
  EXPECT_EQ(coffee.image.type(), PixelType::rgba8);
  EXPECT_FALSE(coffee.image.has_transparency());
  // The background of coffee.png is red: R well above B in RGBA order.
  const cv::Scalar mean = cv::mean(coffee.image.mat());
  EXPECT_GT(mean[0], mean[2] + 40);

  const DecodedImage camera = read_image_file(test::photo("camera.png"), DecodeLimits{});  // greyscale
  EXPECT_EQ(camera.info.channels, 1);
  const cv::Vec4b pixel = camera.image.mat().at<cv::Vec4b>(100, 100);
  EXPECT_EQ(pixel[0], pixel[1]);
  EXPECT_EQ(pixel[1], pixel[2]);
  EXPECT_EQ(pixel[3], 255);

  const DecodedImage rocket = read_image_file(test::photo("rocket.jpg"), DecodeLimits{});
  EXPECT_EQ(rocket.info.format, ImageFormat::jpeg);
  EXPECT_EQ(rocket.image.width(), 640);
  EXPECT_EQ(rocket.image.height(), 427);

  const DecodedImage palette = read_image_file(test::photo("green_palette.png"), DecodeLimits{});
  EXPECT_EQ(palette.image.type(), PixelType::rgba8);
  EXPECT_GT(cv::mean(palette.image.mat())[1], cv::mean(palette.image.mat())[0]);
}

TEST(Decode, SixteenBitPngBecomesExactFloats) {
  cv::Mat wide(8, 8, CV_16UC4);
  cv::randu(wide, 0, 65535);
  std::vector<std::uint8_t> bytes;
  cv::Mat bgra;
  cv::cvtColor(wide, bgra, cv::COLOR_RGBA2BGRA);
  ASSERT_TRUE(cv::imencode(".png", bgra, bytes));
  const DecodedImage decoded = decode_image(bytes, DecodeLimits{});
  EXPECT_EQ(decoded.info.bit_depth, 16);
  ASSERT_EQ(decoded.image.type(), PixelType::rgba_f32);
  const cv::Vec4f value = decoded.image.mat().at<cv::Vec4f>(3, 5);
  const cv::Vec<std::uint16_t, 4> original = wide.at<cv::Vec<std::uint16_t, 4>>(3, 5);
  for (int c = 0; c < 4; ++c) EXPECT_FLOAT_EQ(value[c], static_cast<float>(original[c] / 65535.0));
  // And back out as 16-bit without loss.
  EncodeOptions options;
  options.png_bit_depth = 16;
  const DecodedImage again = decode_image(encode_image(decoded.image, options, OutputMetadata{}), DecodeLimits{});
  EXPECT_TRUE(bit_identical(again.image, decoded.image));
}

TEST(Decode, GreyAlphaAndTransparentPalettePngs) {
  cv::Mat grey_alpha(4, 6, CV_8UC2, cv::Scalar(200, 50));
  const DecodedImage ga = decode_image(png_with_format(grey_alpha, PNG_FORMAT_GA), DecodeLimits{});
  EXPECT_EQ(ga.image.mat().at<cv::Vec4b>(1, 1), cv::Vec4b(200, 200, 200, 50));
  EXPECT_TRUE(ga.image.has_transparency());

  const png_color palette[2] = {{255, 0, 0}, {0, 0, 255}};
  const std::uint8_t alpha[2] = {255, 0};
  cv::Mat indices(4, 6, CV_8U, cv::Scalar(0));
  indices.colRange(3, 6).setTo(1);
  const DecodedImage indexed = decode_image(png_with_format(indices, PNG_FORMAT_RGBA_COLORMAP, palette, alpha, 2), DecodeLimits{});
  EXPECT_EQ(indexed.image.mat().at<cv::Vec4b>(0, 0), cv::Vec4b(255, 0, 0, 255));
  EXPECT_EQ(indexed.image.mat().at<cv::Vec4b>(0, 5)[3], 0);
}

TEST(Decode, CmykJpegComesOutInTheRightColours) {
  // A CMYK image, half pure red (C=0, M=Y=100 %, K=0), half pure blue (C=M=100 %). libjpeg writes an
  // Adobe marker for CMYK, and Adobe CMYK JPEGs (what Photoshop and print workflows produce) store
  // inverted samples: 255 means 0 % ink.
  cv::Mat cmyk(16, 32, CV_8UC4, cv::Scalar(255, 0, 0, 255));
  cmyk.colRange(16, 32).setTo(cv::Scalar(0, 0, 255, 255));
  const std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitCompress(), tjDestroy);
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  ASSERT_EQ(tjCompress2(handle.get(), cmyk.data, 32, 0, 16, TJPF_CMYK, &jpeg, &size, TJSAMP_444, 95, 0), 0);
  const std::vector<std::uint8_t> bytes(jpeg, jpeg + size);
  tjFree(jpeg);
  const DecodedImage decoded = decode_image(bytes, DecodeLimits{});
  EXPECT_EQ(decoded.info.channels, 4);
  const cv::Vec4b red = decoded.image.mat().at<cv::Vec4b>(8, 4), blue = decoded.image.mat().at<cv::Vec4b>(8, 28);
  EXPECT_GT(red[0], 200);
  EXPECT_LT(red[2], 60);
  EXPECT_GT(blue[2], 200);
  EXPECT_LT(blue[0], 60);
}

TEST(Decode, JpegExifOrientationIsApplied) {
  cv::Mat landscape(40, 60, CV_8UC3, cv::Scalar(0, 0, 255));
  landscape(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(255, 255, 255));  // a white mark top-left
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(cv::imencode(".jpg", landscape, bytes, {cv::IMWRITE_JPEG_QUALITY, 95}));
  auto image = Exiv2::ImageFactory::open(bytes.data(), static_cast<long>(bytes.size()));
  image->readMetadata();
  image->exifData()["Exif.Image.Orientation"] = std::uint16_t{6};  // rotate 90° clockwise to display
  image->writeMetadata();
  Exiv2::BasicIo& io = image->io();
  io.seek(0, Exiv2::BasicIo::beg);
  std::vector<std::uint8_t> tagged(io.size());
  io.read(tagged.data(), static_cast<long>(tagged.size()));
  const DecodedImage decoded = decode_image(tagged, DecodeLimits{});
  EXPECT_EQ(decoded.image.width(), 40);
  EXPECT_EQ(decoded.image.height(), 60);
  // After a clockwise turn the top-left mark sits at the top-right.
  EXPECT_GT(decoded.image.mat().at<cv::Vec4b>(3, 36)[1], 200);
}

TEST(Decode, WebpLosslessKeepsAlphaAndLossyIsClose) {
  cv::Mat rgba = test::load_photo("chelsea.png").mat().clone();
  rgba(cv::Rect(0, 0, 50, 50)).setTo(cv::Scalar(10, 20, 30, 0));
  EncodeOptions lossless;
  lossless.format = ImageFormat::webp;
  lossless.quality = 100;
  const DecodedImage exact = decode_image(encode_image(Image(rgba), lossless, OutputMetadata{}), DecodeLimits{});
  EXPECT_TRUE(exact.info.has_alpha);
  // Lossless WebP keeps every visible pixel and the alpha channel; colour under alpha 0 is not kept.
  cv::Mat visible = rgba.clone(), decoded_visible = exact.image.mat().clone();
  visible(cv::Rect(0, 0, 50, 50)).setTo(0);
  decoded_visible(cv::Rect(0, 0, 50, 50)).setTo(0);
  EXPECT_TRUE(bit_identical(Image(decoded_visible), Image(visible)));
  EXPECT_EQ(exact.image.mat().at<cv::Vec4b>(10, 10)[3], 0);
  EncodeOptions lossy = lossless;
  lossy.quality = 80;
  const auto lossy_bytes = encode_image(test::load_photo("chelsea.png"), lossy, OutputMetadata{});
  const DecodedImage approximate = decode_image(lossy_bytes, DecodeLimits{});
  EXPECT_GT(cv::PSNR(approximate.image.mat(), test::load_photo("chelsea.png").mat()), 30);
}

// A 100000×100000 RGBA PNG header: signature, IHDR with a correct CRC, and nothing else.
std::vector<std::uint8_t> bomb_header() {
  std::vector<std::uint8_t> bytes{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                  0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 6, 0, 0, 0};
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 12; i < bytes.size(); ++i) {
    crc ^= bytes[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xffffffffu;
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(crc >> shift));
  return bytes;
}

TEST(Limits, ADecompressionBombIsRefusedFromItsHeaderInMilliseconds) {
  const auto bytes = bomb_header();
  const ImageInfo info = probe_image(bytes);
  EXPECT_EQ(info.width, 100000);
  EXPECT_EQ(info.height, 100000);
  const auto started = std::chrono::steady_clock::now();
  const std::string message = error_of([&] { decode_image(bytes, DecodeLimits{}); });
  const double elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  EXPECT_NE(message.find("100000x100000"), std::string::npos) << message;
  EXPECT_NE(message.find("limit of 40 megapixels"), std::string::npos) << message;
  EXPECT_LT(elapsed_ms, 100);  // generous: a header check, not a decode; guards against decoding first
}

TEST(Limits, ConfiguredLimitsApplyToPixelsAndBytes) {
  const auto bytes = read_file_bytes(test::photo("coffee.png"));
  EXPECT_NE(error_of([&] { decode_image(bytes, DecodeLimits{200'000, 50ull << 20}); }).find("600x400"), std::string::npos);
  EXPECT_NE(error_of([&] { read_image_file(test::photo("coffee.png"), DecodeLimits{40'000'000, 1000}); }).find("above the limit of 1000 bytes"),
            std::string::npos);
}

TEST(BadInput, EachProblemHasItsOwnMessage) {
  const fs::path dir = test::temp_dir();
  const auto png = read_file_bytes(test::photo("coffee.png"));
  const auto jpeg = read_file_bytes(test::photo("rocket.jpg"));
  const std::span<const std::uint8_t> png_half(png.data(), png.size() / 2), jpeg_half(jpeg.data(), jpeg.size() / 2);
  EXPECT_NE(error_of([&] { decode_image({}, DecodeLimits{}); }).find("empty"), std::string::npos);
  EXPECT_NE(error_of([&] { decode_image(png_half, DecodeLimits{}); }).find("truncated"), std::string::npos);
  EXPECT_NE(error_of([&] { decode_image(jpeg_half, DecodeLimits{}); }).find("truncated"), std::string::npos);
  EXPECT_NE(error_of([&] { decode_image(std::span(png.data(), 20), DecodeLimits{}); }).find("PNG header"), std::string::npos);
  const std::vector<std::uint8_t> noise{'G', 'I', 'F', '8', '9', 'a', 1, 2, 3};
  EXPECT_NE(error_of([&] { decode_image(noise, DecodeLimits{}); }).find("not a PNG, JPEG or WebP"), std::string::npos);
  write_bytes(dir / "photo.jpg", png);
  EXPECT_NE(error_of([&] { read_image_file(dir / "photo.jpg", DecodeLimits{}); }).find("content is PNG but the extension says JPEG"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_image_file(dir / "missing.png", DecodeLimits{}); }).find("missing.png: no such file"), std::string::npos);
  write_bytes(dir / "photo.gif", png);
  EXPECT_NE(error_of([&] { read_image_file(dir / "photo.gif", DecodeLimits{}); }).find("'.gif'"), std::string::npos);
}

TEST(Encode, EveryFormatCarriesThePlanAndTheSourceType) {
  const Image chelsea = test::load_photo("chelsea.png");
  OutputMetadata metadata;
  metadata.plan_json = R"({"steps":[{"op":"color.adjust"}]})";
  metadata.source_type = DigitalSourceType::composite_with_trained_algorithmic_media;
  for (const ImageFormat format : {ImageFormat::png, ImageFormat::jpeg, ImageFormat::webp}) {
    SCOPED_TRACE(format_name(format));
    EncodeOptions options;
    options.format = format;
    const auto bytes = encode_image(chelsea, options, metadata);
    const OutputMetadata read = read_output_metadata(bytes);
    EXPECT_EQ(read.plan_json, metadata.plan_json);
    EXPECT_EQ(read.source_type, DigitalSourceType::composite_with_trained_algorithmic_media);
    EXPECT_EQ(read.software, "Easel");
    const DecodedImage decoded = decode_image(bytes, DecodeLimits{});
    if (format == ImageFormat::png) {
      EXPECT_TRUE(bit_identical(decoded.image, chelsea));
    } else {
      EXPECT_GT(cv::PSNR(decoded.image.mat(), chelsea.mat()), 30);
    }
  }
}

TEST(Encode, JpegFlattensTransparencyOverWhite) {
  cv::Mat transparent(8, 8, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  EncodeOptions options;
  options.format = ImageFormat::jpeg;
  const DecodedImage decoded = decode_image(encode_image(Image(transparent), options, OutputMetadata{}), DecodeLimits{});
  EXPECT_GT(cv::mean(decoded.image.mat())[0], 250);
}

TEST(Encode, OptionsOutOfRangeAreUsageErrors) {
  EncodeOptions options;
  options.quality = 0;
  error_of([&] { encode_image(test::load_photo("coffee.png"), options, OutputMetadata{}); }, ErrorKind::usage);
  EXPECT_NE(error_of([] { format_from_name("gif"); }, ErrorKind::usage).find("use png, jpeg or webp"), std::string::npos);
}

TEST(Files, AtomicWriteLeavesNothingBehindOnFailure) {
  const fs::path dir = test::temp_dir();
  const std::vector<std::uint8_t> bytes{1, 2, 3};
  write_file_atomically(dir / "a.bin", bytes);
  EXPECT_EQ(read_file_bytes(dir / "a.bin"), bytes);
  error_of([&] { write_file_atomically(dir / "no-such-folder" / "b.bin", bytes); }, ErrorKind::output);
  fs::create_directories(dir / "taken");
  error_of([&] { write_file_atomically(dir / "taken", bytes); }, ErrorKind::output);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 2u);  // a.bin and the folder: no temporary files left
}

}  // namespace
}  // namespace easel
