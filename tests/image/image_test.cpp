// The pixel container: conversions, transparency and exact comparison.
#include <gtest/gtest.h>

#include "easel/core/error.hpp"
#include "easel/image/image.hpp"
#include "image_test_support.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

TEST(Image, FloatRoundTripOfAPhotoIsExact) {
  const Image coffee = test::load_photo("coffee.png");
  const Image as_float = coffee.to_float();
  ASSERT_EQ(as_float.type(), PixelType::rgba_f32);
  EXPECT_FLOAT_EQ(as_float.mat().at<cv::Vec4f>(10, 10)[0], coffee.mat().at<cv::Vec4b>(10, 10)[0] / 255.0f);
  EXPECT_TRUE(bit_identical(as_float.to_rgba8(), coffee));
}

TEST(Image, ToRgba8RoundsAndSaturates) {
  const Image floats(cv::Mat(1, 1, CV_32FC4, cv::Scalar(1.5, -0.2, 0.5, 100.4 / 255.0)));
  EXPECT_EQ(floats.to_rgba8().mat().at<cv::Vec4b>(0, 0), cv::Vec4b(255, 0, 128, 100));
}

TEST(Image, TransparencyMeansAnyAlphaBelowOpaque) {
  EXPECT_FALSE(test::load_photo("coffee.png").has_transparency());
  EXPECT_TRUE(test::load_photo("horse.png").has_transparency());  // a real RGBA cut-out
  cv::Mat almost_opaque(4, 4, CV_32FC4, cv::Scalar(0.5, 0.5, 0.5, 1.0));
  almost_opaque.at<cv::Vec4f>(3, 3)[3] = 0.999f;
  EXPECT_TRUE(Image(almost_opaque).has_transparency());
  EXPECT_FALSE(Image().has_transparency());
}

TEST(Image, BitIdenticalNoticesOneChangedByteOrAnotherType) {
  const Image chelsea = test::load_photo("chelsea.png");
  Image changed = chelsea.clone();
  EXPECT_TRUE(bit_identical(chelsea, changed));
  changed.mat().at<cv::Vec4b>(299, 450)[2] ^= 1;  // last pixel, blue, lowest bit
  EXPECT_FALSE(bit_identical(chelsea, changed));
  EXPECT_FALSE(bit_identical(chelsea, chelsea.to_float()));
  EXPECT_FALSE(bit_identical(chelsea, Image(chelsea.mat()(cv::Rect(0, 0, 10, 10)).clone())));
  // A view into a larger matrix compares by its pixels, not by its memory layout.
  EXPECT_TRUE(bit_identical(Image(chelsea.mat()(cv::Rect(5, 5, 20, 20))),
                            Image(chelsea.mat()(cv::Rect(5, 5, 20, 20)).clone())));
}

TEST(Image, RefusesPixelsThatAreNotRgba) {
  test::error_of([] { Image(cv::Mat(2, 2, CV_8UC3)); }, ErrorKind::internal);
  test::error_of([] { Image(cv::Mat(2, 2, CV_16UC4)); }, ErrorKind::internal);
}

}  // namespace
}  // namespace easel
