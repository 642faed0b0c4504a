// object.remove: a painted-on object disappears into its real surroundings; nothing else changes.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "support/op_checks.hpp"
#include "easel/image/codec.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

struct Painted {
  Image original;
  Image with_object;
  cv::Mat object;  // where the object is
  std::string mask_file;
};

// A blue blob painted on the wooden table of coffee.png, and a mask file a few pixels larger than it.
Painted blob_on_table(cv::Rect blob, const std::string& name) {
  Painted painted;
  painted.original = test::load_photo("coffee.png");
  painted.object = cv::Mat::zeros(painted.original.height(), painted.original.width(), CV_8U);
  cv::ellipse(painted.object, (blob.tl() + blob.br()) / 2, blob.size() / 2, 0, 0, 360, cv::Scalar(255), cv::FILLED);
  cv::Mat pixels = painted.original.mat().clone();
  pixels.setTo(cv::Scalar(40, 80, 230, 255), painted.object);
  painted.with_object = Image(pixels);
  cv::Mat mask;
  cv::dilate(painted.object, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(7, 7)));
  cv::Mat rgba;
  cv::cvtColor(mask, rgba, cv::COLOR_GRAY2RGBA);
  painted.mask_file = (test::temp_dir() / (name + ".png")).string();
  write_file_atomically(painted.mask_file, encode_image(Image(rgba), EncodeOptions{}, OutputMetadata{}));
  return painted;
}

double mean_error_inside(const Image& a, const Image& b, const cv::Mat& where) {
  cv::Mat difference;
  cv::absdiff(a.mat(), b.mat(), difference);
  const cv::Scalar mean = cv::mean(difference, where);
  return (mean[0] + mean[1] + mean[2]) / 3;
}

TEST(ObjectRemove, SmallObjectVanishesIntoTheWoodWithEveryAlgorithm) {
  const Painted painted = blob_on_table(cv::Rect(20, 300, 60, 40), "small");
  const double painted_error = mean_error_inside(painted.original, painted.with_object, painted.object);
  // fsr-best gives the same quality here at 40 times fsr-fast's cost; it has its own small test below.
  for (const char* algorithm : {"auto", "fsr-fast", "telea"}) {
    SCOPED_TRACE(algorithm);
    const Image result = test::render_one(painted.with_object, "object.remove", {{"mask", painted.mask_file}},
                                          {{"algorithm", algorithm}});
    cv::Mat mask_area;
    cv::dilate(painted.object, mask_area, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(7, 7)));
    EXPECT_EQ(test::changed_pixels(painted.with_object.mat(), result.mat(), mask_area == 0), 0);
    const double error = mean_error_inside(painted.original, result, painted.object);
    std::printf("object.remove %-8s small hole: mean error vs the unpainted photo %.1f (painted object: %.1f)\n",
                algorithm, error, painted_error);
    // Wood grain cannot be recovered exactly, but the fill must be far closer to it than the object was,
    // and of the wood's colour.
    EXPECT_LT(error, painted_error / 4);
    const cv::Scalar fill = cv::mean(result.mat(), painted.object),
                     wood = cv::mean(painted.original.mat(), painted.object);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(fill[c], wood[c], 15) << c;
  }
}

TEST(ObjectRemove, FsrBestFillsATinyHole) {
  const Painted painted = blob_on_table(cv::Rect(30, 320, 16, 12), "tiny");
  const Image result = test::render_one(painted.with_object, "object.remove", {{"mask", painted.mask_file}},
                                        {{"algorithm", "fsr-best"}});
  EXPECT_LT(mean_error_inside(painted.original, result, painted.object),
            mean_error_inside(painted.original, painted.with_object, painted.object) / 4);
}

TEST(ObjectRemove, LargeObjectIsFilledWithoutATraceOfItsColour) {
  const Painted painted = blob_on_table(cv::Rect(440, 40, 150, 110), "large");
  const Image result =
      test::render_one(painted.with_object, "object.remove", {{"mask", painted.mask_file}}, json::object());
  const cv::Scalar inside = cv::mean(result.mat(), painted.object);
  EXPECT_GT(inside[0], inside[2]);  // the wood's red again, not the object's blue
  EXPECT_LT(mean_error_inside(painted.original, result, painted.object), 30);
  cv::Mat mask_area;
  cv::dilate(painted.object, mask_area, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(7, 7)));
  EXPECT_EQ(test::changed_pixels(painted.with_object.mat(), result.mat(), mask_area == 0), 0);
}

TEST(ObjectRemove, BadTargetsAndParametersAreSpecific) {
  const Image coffee = test::load_photo("coffee.png");
  EXPECT_NE(test::error_of(coffee, "object.remove", json::object(), json::object()).find("covers the whole image"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "object.remove", {{"region", "left"}}, {{"method", "generative"}}).find("method"),
            std::string::npos);
  EXPECT_NE(
      test::error_of(coffee, "object.remove", {{"region", "left"}}, {{"algorithm", "patchmatch"}}).find("algorithm"),
      std::string::npos);
  EXPECT_NE(test::error_of(coffee, "object.remove", {{"color", "#00ff00"}, {"tolerance", 5}}, json::object())
                .find("target region is empty"),
            std::string::npos);
}

}  // namespace
}  // namespace easel
