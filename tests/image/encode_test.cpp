// Encoding to every format with its options, and the metadata every output carries.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/image/codec.hpp"
#include "image_test_support.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

EncodeOptions options_for(ImageFormat format) {
  EncodeOptions options;
  options.format = format;
  return options;
}

DecodedImage round_trip(const Image& image, const EncodeOptions& options) {
  return decode_image(encode_image(image, options, OutputMetadata{}), DecodeLimits{});
}

TEST(Encode, EveryFormatCarriesThePlanTheSourceTypeAndTheSoftware) {
  const Image chelsea = test::load_photo("chelsea.png");
  OutputMetadata metadata;
  metadata.plan_json = R"({"steps":[{"op":"color.adjust","params":{"warmth":0.3}}],"note":"<&> \"quoted\""})";
  metadata.software = "Easel 0.1.0";
  for (const auto source_type :
       {DigitalSourceType::algorithmically_enhanced, DigitalSourceType::composite_with_trained_algorithmic_media,
        DigitalSourceType::trained_algorithmic_media}) {
    metadata.source_type = source_type;
    for (const ImageFormat format : {ImageFormat::png, ImageFormat::jpeg, ImageFormat::webp}) {
      SCOPED_TRACE(std::string(format_name(format)) + " " + digital_source_type_uri(source_type));
      const auto bytes = encode_image(chelsea, options_for(format), metadata);
      EXPECT_EQ(probe_image(bytes).format, format);
      const OutputMetadata read = read_output_metadata(bytes);
      EXPECT_EQ(read.plan_json, metadata.plan_json);
      EXPECT_EQ(read.source_type, source_type);
      EXPECT_EQ(read.software, "Easel 0.1.0");
      // The XMP packet is plain text in the file: other tools find the IPTC marker by its URI.
      const std::string as_text(bytes.begin(), bytes.end());
      EXPECT_NE(as_text.find(digital_source_type_uri(source_type)), std::string::npos);
    }
  }
}

TEST(Encode, FilesWithoutEaselMetadataAreReportedAsSuch) {
  const auto plain = read_file_bytes(test::photo("rocket.jpg"));
  EXPECT_TRUE(test::contains(test::error_of([&] { read_output_metadata(plain); }), "no IPTC digital source type"));
}

TEST(Encode, LosslessFormatsGiveBackTheSamePixelsIncludingAlpha) {
  for (const char* name : {"chelsea.png", "horse.png"}) {  // opaque, and a real cut-out with alpha
    SCOPED_TRACE(name);
    const Image photo = test::load_photo(name);
    EXPECT_TRUE(bit_identical(round_trip(photo, options_for(ImageFormat::png)).image, photo));
    EncodeOptions webp = options_for(ImageFormat::webp);
    webp.quality = 100;
    EXPECT_TRUE(bit_identical(round_trip(photo, webp).image, photo));
  }
}

TEST(Encode, OpaqueImagesAreWrittenWithoutAnAlphaChannel) {
  const Image chelsea = test::load_photo("chelsea.png");
  const auto opaque = encode_image(chelsea, options_for(ImageFormat::png), OutputMetadata{});
  EXPECT_EQ(probe_image(opaque).channels, 3);
  Image with_hole = chelsea.clone();
  with_hole.mat().at<cv::Vec4b>(0, 0)[3] = 0;
  const auto transparent = encode_image(with_hole, options_for(ImageFormat::png), OutputMetadata{});
  EXPECT_EQ(probe_image(transparent).channels, 4);
  EXPECT_TRUE(probe_image(encode_image(with_hole, options_for(ImageFormat::webp), OutputMetadata{})).has_alpha);
}

TEST(Encode, LossyQualityTradesSizeForFidelity) {
  const Image astronaut = test::load_photo("astronaut.png");
  for (const ImageFormat format : {ImageFormat::jpeg, ImageFormat::webp}) {
    SCOPED_TRACE(format_name(format));
    EncodeOptions low = options_for(format), high = options_for(format);
    low.quality = 20;
    high.quality = 95;
    const auto low_bytes = encode_image(astronaut, low, OutputMetadata{});
    const auto high_bytes = encode_image(astronaut, high, OutputMetadata{});
    EXPECT_LT(low_bytes.size() * 2, high_bytes.size());
    const double low_psnr = cv::PSNR(decode_image(low_bytes, DecodeLimits{}).image.mat(), astronaut.mat());
    const double high_psnr = cv::PSNR(decode_image(high_bytes, DecodeLimits{}).image.mat(), astronaut.mat());
    EXPECT_GT(low_psnr, 25);
    EXPECT_GT(high_psnr, low_psnr + 5);
  }
}

TEST(Encode, PngCompressionChangesSizeNotPixels) {
  const Image coffee = test::load_photo("coffee.png");
  EncodeOptions fast = options_for(ImageFormat::png), small = options_for(ImageFormat::png);
  fast.png_compression = 0;
  small.png_compression = 9;
  const auto fast_bytes = encode_image(coffee, fast, OutputMetadata{});
  const auto small_bytes = encode_image(coffee, small, OutputMetadata{});
  EXPECT_LT(small_bytes.size(), fast_bytes.size());
  EXPECT_TRUE(
      bit_identical(decode_image(fast_bytes, DecodeLimits{}).image, decode_image(small_bytes, DecodeLimits{}).image));
}

TEST(Encode, SixteenBitPngKeepsFloatPrecision) {
  cv::Mat gradient(4, 256, CV_32FC4);
  for (int x = 0; x < 256; ++x) gradient.col(x).setTo(cv::Scalar(x / 256.0 + 0.001, 0.5, 1.0 / 3.0, 1.0));
  const Image smooth(gradient);
  EncodeOptions wide = options_for(ImageFormat::png);
  wide.png_bit_depth = 16;
  const auto bytes = encode_image(smooth, wide, OutputMetadata{});
  EXPECT_EQ(probe_image(bytes).bit_depth, 16);
  const DecodedImage decoded = decode_image(bytes, DecodeLimits{});
  ASSERT_EQ(decoded.image.type(), PixelType::rgba_f32);
  EXPECT_LT(cv::norm(decoded.image.mat(), gradient, cv::NORM_INF), 1.0 / 65535.0);
  // 8 bits lose what 16 keep.
  EXPECT_GT(cv::norm(round_trip(smooth, options_for(ImageFormat::png)).image.to_float().mat(), gradient, cv::NORM_INF),
            1.0 / 1024.0);
}

TEST(Encode, JpegFlattensTransparencyOverWhite) {
  cv::Mat half_red(8, 8, CV_8UC4, cv::Scalar(255, 0, 0, 128));
  half_red.colRange(4, 8).setTo(cv::Scalar(0, 0, 0, 0));
  const DecodedImage decoded = round_trip(Image(half_red), options_for(ImageFormat::jpeg));
  EXPECT_FALSE(decoded.image.has_transparency());
  const cv::Vec4b blended = decoded.image.mat().at<cv::Vec4b>(4, 1), white = decoded.image.mat().at<cv::Vec4b>(4, 6);
  EXPECT_NEAR(blended[0], 255, 8);   // red over white stays full red...
  EXPECT_NEAR(blended[1], 127, 12);  // ...and half the white shows through in green and blue
  EXPECT_NEAR(blended[2], 127, 12);
  EXPECT_GT(white[0], 245);
  EXPECT_GT(white[1], 245);
  EXPECT_GT(white[2], 245);
}

TEST(Encode, OptionsOutOfRangeAreUsageErrorsNamingTheRange) {
  const Image coffee = test::load_photo("coffee.png");
  EncodeOptions quality = options_for(ImageFormat::jpeg);
  quality.quality = 0;
  EXPECT_TRUE(test::contains(test::error_of([&] { encode_image(coffee, quality, OutputMetadata{}); }, ErrorKind::usage),
                             "quality must be 1-100, got 0"));
  EncodeOptions compression;
  compression.png_compression = 10;
  EXPECT_TRUE(
      test::contains(test::error_of([&] { encode_image(coffee, compression, OutputMetadata{}); }, ErrorKind::usage),
                     "PNG compression must be 0-9, got 10"));
  EncodeOptions depth;
  depth.png_bit_depth = 12;
  EXPECT_TRUE(test::contains(test::error_of([&] { encode_image(coffee, depth, OutputMetadata{}); }, ErrorKind::usage),
                             "PNG bit depth must be 8 or 16, got 12"));
  EXPECT_TRUE(
      test::contains(test::error_of([] { format_from_name("gif"); }, ErrorKind::usage), "use png, jpeg or webp"));
  EXPECT_EQ(format_from_name("JPG"), ImageFormat::jpeg);
  EXPECT_EQ(format_from_extension("a/b.JPEG"), ImageFormat::jpeg);
}

}  // namespace
}  // namespace easel
