// Decoding every supported kind of PNG, JPEG and WebP into RGBA, checked against independent decoders
// or known pixel values.
#include <gtest/gtest.h>

#include <png.h>
#include <turbojpeg.h>

#include <exiv2/exiv2.hpp>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/image/codec.hpp"
#include "image_test_support.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

DecodedImage decode(std::span<const std::uint8_t> bytes) { return decode_image(bytes, DecodeLimits{}); }

TEST(Decode, RealPngsMatchLibpngPixelForPixel) {
  // RGB, grey, 1-bit grey, palette, RGBA: each decoded both ways.
  for (const char* name : {"coffee.png", "camera.png", "checker_bilevel.png", "palette_color.png", "palette_gray.png",
                           "green_palette.png", "foo3x5x4indexed.png", "horse.png"}) {
    SCOPED_TRACE(name);
    const auto bytes = read_file_bytes(test::photo(name));
    const DecodedImage decoded = decode(bytes);
    ASSERT_EQ(decoded.image.type(), PixelType::rgba8);
    EXPECT_TRUE(bit_identical(decoded.image, Image(test::read_png_rgba_reference(bytes))));
  }
}

TEST(Decode, RealPhotographsHaveTheirSizeAndColours) {
  const DecodedImage coffee = read_image_file(test::photo("coffee.png"), DecodeLimits{});
  EXPECT_EQ(coffee.image.width(), 600);
  EXPECT_EQ(coffee.image.height(), 400);
  EXPECT_FALSE(coffee.image.has_transparency());
  // coffee.png has a red background: R well above B in RGBA order (a BGR mix-up would flip this).
  const cv::Scalar mean = cv::mean(coffee.image.mat());
  EXPECT_GT(mean[0], mean[2] + 40);

  const DecodedImage camera = read_image_file(test::photo("camera.png"), DecodeLimits{});
  EXPECT_EQ(camera.info.channels, 1);
  const cv::Vec4b grey = camera.image.mat().at<cv::Vec4b>(100, 100);
  EXPECT_EQ(grey, cv::Vec4b(grey[0], grey[0], grey[0], 255));

  const DecodedImage rocket = read_image_file(test::photo("rocket.jpg"), DecodeLimits{});
  EXPECT_EQ(rocket.info.format, ImageFormat::jpeg);
  EXPECT_EQ(rocket.image.width(), 640);
  EXPECT_EQ(rocket.image.height(), 427);
  // The sky is blue: B above R in the top rows.
  const cv::Scalar sky = cv::mean(rocket.image.mat()(cv::Rect(0, 0, 640, 40)));
  EXPECT_GT(sky[2], sky[0] + 20);
}

TEST(Decode, SixteenBitPngsBecomeExactFloats) {
  const DecodedImage chessboard =
      read_image_file(test::photo("chessboard_RGB.png"), DecodeLimits{});  // real 16-bit file
  EXPECT_EQ(chessboard.info.bit_depth, 16);
  EXPECT_EQ(chessboard.image.type(), PixelType::rgba_f32);

  cv::Mat wide(8, 8, CV_16UC4);
  cv::randu(wide, 0, 65535);
  cv::Mat bgra;
  cv::cvtColor(wide, bgra, cv::COLOR_RGBA2BGRA);
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(cv::imencode(".png", bgra, bytes));
  const DecodedImage decoded = decode(bytes);
  ASSERT_EQ(decoded.image.type(), PixelType::rgba_f32);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) {
      for (int c = 0; c < 4; ++c) {
        ASSERT_EQ(decoded.image.mat().at<cv::Vec4f>(y, x)[c],
                  static_cast<float>(wide.at<cv::Vec<std::uint16_t, 4>>(y, x)[c] / 65535.0));
      }
    }
  }
}

TEST(Decode, PalettePngsOfEveryBitDepthWithTransparency) {
  for (const int entries : {2, 4, 16, 256}) {
    SCOPED_TRACE(entries);
    std::vector<cv::Vec4b> colormap;
    for (int i = 0; i < entries; ++i) {
      colormap.emplace_back(static_cast<std::uint8_t>(i * 255 / (entries - 1)), 40,
                            static_cast<std::uint8_t>(255 - i * 255 / (entries - 1)), i == 1 ? 0 : 255);
    }
    cv::Mat indices(5, 7, CV_8U);
    for (int p = 0; p < indices.rows * indices.cols; ++p) indices.data[p] = static_cast<std::uint8_t>(p % entries);
    const auto bytes = test::write_png(indices, PNG_FORMAT_RGBA_COLORMAP, colormap);
    const DecodedImage decoded = decode(bytes);
    EXPECT_EQ(decoded.info.bit_depth, entries == 256 ? 8 : entries == 16 ? 4 : entries == 4 ? 2 : 1);
    EXPECT_TRUE(decoded.image.has_transparency());
    EXPECT_EQ(decoded.image.mat().at<cv::Vec4b>(0, 0), colormap[0]);
    EXPECT_EQ(decoded.image.mat().at<cv::Vec4b>(0, 1)[3], 0);
    EXPECT_EQ(decoded.image.mat().at<cv::Vec4b>(4, 6), colormap[static_cast<std::size_t>(34 % entries)]);
  }
}

TEST(Decode, GreyAlphaPngKeepsItsAlpha) {
  const DecodedImage decoded = decode(test::write_png(cv::Mat(4, 6, CV_8UC2, cv::Scalar(200, 50)), PNG_FORMAT_GA));
  EXPECT_TRUE(decoded.info.has_alpha);
  EXPECT_EQ(decoded.image.mat().at<cv::Vec4b>(1, 1), cv::Vec4b(200, 200, 200, 50));
}

TEST(Decode, GreyPngTransparentLevelBecomesAlpha) {
  cv::Mat levels(2, 4, CV_8U, cv::Scalar(200));
  levels.col(1).setTo(10);
  const DecodedImage eight = decode(test::write_grey_png_with_transparent_level(levels, 8, 10));
  EXPECT_EQ(eight.image.mat().at<cv::Vec4b>(0, 1), cv::Vec4b(10, 10, 10, 0));
  EXPECT_EQ(eight.image.mat().at<cv::Vec4b>(0, 0), cv::Vec4b(200, 200, 200, 255));

  cv::Mat bits(2, 4, CV_8U, cv::Scalar(0));
  bits.col(3).setTo(1);
  const DecodedImage one_bit = decode(test::write_grey_png_with_transparent_level(bits, 1, 1));  // white is transparent
  EXPECT_EQ(one_bit.image.mat().at<cv::Vec4b>(1, 3), cv::Vec4b(255, 255, 255, 0));
  EXPECT_EQ(one_bit.image.mat().at<cv::Vec4b>(1, 2), cv::Vec4b(0, 0, 0, 255));

  cv::Mat wide(2, 4, CV_16U, cv::Scalar(40000));
  wide.col(0).setTo(1234);
  const DecodedImage sixteen = decode(test::write_grey_png_with_transparent_level(wide, 16, 1234));
  ASSERT_EQ(sixteen.image.type(), PixelType::rgba_f32);
  EXPECT_EQ(sixteen.image.mat().at<cv::Vec4f>(0, 0)[3], 0.0f);
  EXPECT_EQ(sixteen.image.mat().at<cv::Vec4f>(0, 1),
            cv::Vec4f(cv::Vec4d(40000 / 65535.0, 40000 / 65535.0, 40000 / 65535.0, 1.0)));
}

std::vector<std::uint8_t> turbojpeg_encode(const cv::Mat& pixels, int pixel_format, int subsampling) {
  const std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitCompress(), tjDestroy);
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(tjCompress2(handle.get(), pixels.data, pixels.cols, 0, pixels.rows, pixel_format, &jpeg, &size, subsampling,
                        95, 0),
            0)
      << tjGetErrorStr2(handle.get());
  std::vector<std::uint8_t> bytes(jpeg, jpeg + size);
  tjFree(jpeg);
  return bytes;
}

TEST(Decode, CmykJpegComesOutInTheRightColours) {
  // libjpeg-turbo stores CMYK inverted, as Photoshop does (255 = no ink): pure red is C=255 M=0 Y=0 K=255.
  cv::Mat cmyk(16, 32, CV_8UC4, cv::Scalar(255, 0, 0, 255));
  cmyk.colRange(16, 32).setTo(cv::Scalar(0, 0, 255, 255));  // pure blue: full cyan and magenta
  const DecodedImage decoded = decode(turbojpeg_encode(cmyk, TJPF_CMYK, TJSAMP_444));
  EXPECT_EQ(decoded.info.channels, 4);
  const cv::Vec4b red = decoded.image.mat().at<cv::Vec4b>(8, 4), blue = decoded.image.mat().at<cv::Vec4b>(8, 28);
  EXPECT_GT(red[0], 240);
  EXPECT_LT(red[1], 15);
  EXPECT_LT(red[2], 15);
  EXPECT_LT(blue[0], 15);
  EXPECT_LT(blue[1], 15);
  EXPECT_GT(blue[2], 240);
  EXPECT_EQ(red[3], 255);
}

TEST(Decode, GreyJpegBecomesGreyRgba) {
  const cv::Mat camera = cv::imread(test::photo("camera.png").string(), cv::IMREAD_GRAYSCALE);
  const DecodedImage decoded = decode(turbojpeg_encode(camera, TJPF_GRAY, TJSAMP_GRAY));
  EXPECT_EQ(decoded.info.channels, 1);
  std::vector<cv::Mat> channels;
  cv::split(decoded.image.mat(), channels);
  EXPECT_EQ(cv::norm(channels[0], channels[1], cv::NORM_INF), 0);
  EXPECT_EQ(cv::norm(channels[0], channels[2], cv::NORM_INF), 0);
  EXPECT_GT(cv::PSNR(channels[0], camera), 35);
}

std::vector<std::uint8_t> with_exif_orientation(std::vector<std::uint8_t> jpeg, std::uint16_t orientation) {
  auto image = Exiv2::ImageFactory::open(jpeg.data(), static_cast<long>(jpeg.size()));
  image->readMetadata();
  image->exifData()["Exif.Image.Orientation"] = orientation;
  image->writeMetadata();
  Exiv2::BasicIo& io = image->io();
  io.seek(0, Exiv2::BasicIo::beg);
  std::vector<std::uint8_t> tagged(io.size());
  io.read(tagged.data(), static_cast<long>(tagged.size()));
  return tagged;
}

TEST(Decode, JpegExifOrientationIsApplied) {
  cv::Mat landscape(40, 60, CV_8UC3, cv::Scalar(0, 0, 255));
  landscape(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(255, 255, 255));  // a white mark top-left
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(cv::imencode(".jpg", landscape, bytes, {cv::IMWRITE_JPEG_QUALITY, 95}));
  const DecodedImage upright = decode(with_exif_orientation(bytes, 1));
  EXPECT_EQ(upright.image.width(), 60);
  const DecodedImage turned = decode(with_exif_orientation(bytes, 6));  // "rotate 90° clockwise to display"
  EXPECT_EQ(turned.image.width(), 40);
  EXPECT_EQ(turned.image.height(), 60);
  // After a clockwise turn the top-left mark sits at the top-right.
  EXPECT_GT(turned.image.mat().at<cv::Vec4b>(3, 36)[1], 200);
  EXPECT_LT(turned.image.mat().at<cv::Vec4b>(3, 3)[1], 50);
}

TEST(Decode, WebpLosslessKeepsAlphaExactlyAndLossyIsClose) {
  cv::Mat rgba = test::load_photo("chelsea.png").mat().clone();
  rgba(cv::Rect(0, 0, 50, 50)).setTo(cv::Scalar(10, 20, 30, 0));
  rgba(cv::Rect(50, 0, 50, 50)).setTo(cv::Scalar(10, 20, 30, 128));
  cv::Mat bgra;
  cv::cvtColor(rgba, bgra, cv::COLOR_RGBA2BGRA);
  std::vector<std::uint8_t> lossless, lossy;
  ASSERT_TRUE(cv::imencode(".webp", bgra, lossless, {cv::IMWRITE_WEBP_QUALITY, 101}));
  ASSERT_TRUE(cv::imencode(".webp", bgra, lossy, {cv::IMWRITE_WEBP_QUALITY, 80}));
  const DecodedImage exact = decode(lossless);
  EXPECT_TRUE(exact.info.has_alpha);
  EXPECT_EQ(exact.image.mat().at<cv::Vec4b>(10, 60), cv::Vec4b(10, 20, 30, 128));
  EXPECT_EQ(exact.image.mat().at<cv::Vec4b>(100, 100), rgba.at<cv::Vec4b>(100, 100));
  const DecodedImage approximate = decode(lossy);
  EXPECT_TRUE(approximate.info.has_alpha);
  EXPECT_EQ(approximate.image.mat().at<cv::Vec4b>(10, 10)[3], 0);
  EXPECT_GT(cv::PSNR(approximate.image.mat()(cv::Rect(0, 60, 451, 240)), rgba(cv::Rect(0, 60, 451, 240))), 30);
}

TEST(Decode, JpegWithBytesAfterTheEndMarkerIsAccepted) {
  auto bytes = read_file_bytes(test::photo("rocket.jpg"));
  bytes.insert(bytes.end(), {'t', 'r', 'a', 'i', 'l', 'e', 'r'});  // some cameras append data like this
  EXPECT_EQ(decode(bytes).image.width(), 640);
}

}  // namespace
}  // namespace easel
