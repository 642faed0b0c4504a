// image.composite and the seamless-blend utility: a picture pasted into a box, with alpha or Poisson
// blending; nothing outside the box changes.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "support/op_checks.hpp"
#include "easel/ops/seamless_blend.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

cv::Mat outside(const cv::Size& size, const cv::Rect& box) {
  cv::Mat mask(size, CV_8U, cv::Scalar(255));
  mask(box).setTo(0);
  return mask;
}

// Mean colour jump across the rectangle's outline: small when the paste sits in its surroundings.
double edge_jump(const cv::Mat& rgba, const cv::Rect& box) {
  double total = 0;
  int count = 0;
  for (int y = box.y + 2; y < box.y + box.height - 2; ++y) {
    for (const auto& [in, out] :
         {std::pair{box.x + 1, box.x - 2}, std::pair{box.x + box.width - 2, box.x + box.width + 1}}) {
      const cv::Vec4b a = rgba.at<cv::Vec4b>(y, in), b = rgba.at<cv::Vec4b>(y, out);
      total += (std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2])) / 3.0;
      ++count;
    }
  }
  return total / count;
}

TEST(ImageComposite, AlphaPasteFitsThePictureIntoTheBoxAndTouchesNothingElse) {
  const Image coffee = test::load_photo("coffee.png");  // 600×400
  const std::string astronaut = test::photo("astronaut.png").string();
  const Image stretched = test::render_one(coffee, "image.composite", {{"box", {0.5, 0.25, 0.25, 0.5}}},
                                           {{"image", astronaut}, {"fit", "stretch"}});
  const cv::Rect box(300, 100, 150, 200);
  EXPECT_EQ(test::changed_pixels(coffee.mat(), stretched.mat(), outside(coffee.mat().size(), box)), 0);
  cv::Mat expected;
  cv::resize(test::load_photo("astronaut.png").mat(), expected, box.size(), 0, 0, cv::INTER_AREA);
  EXPECT_EQ(test::changed_pixels(stretched.mat()(box), expected), 0);

  // contain: a square picture in a 150×200 box is 150×150, centred; the box's top and bottom strips stay.
  const Image contained =
      test::render_one(coffee, "image.composite", {{"box", {0.5, 0.25, 0.25, 0.5}}}, {{"image", astronaut}});
  EXPECT_EQ(
      test::changed_pixels(coffee.mat(), contained.mat(), outside(coffee.mat().size(), cv::Rect(300, 125, 150, 150))),
      0);
  // Half opacity: half way between the two pictures.
  const Image faint = test::render_one(coffee, "image.composite", {{"box", {0.5, 0.25, 0.25, 0.5}}},
                                       {{"image", astronaut}, {"fit", "stretch"}, {"opacity", 0.5}});
  const cv::Vec4b mixed = faint.mat().at<cv::Vec4b>(200, 375), a = coffee.mat().at<cv::Vec4b>(200, 375),
                  b = stretched.mat().at<cv::Vec4b>(200, 375);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(mixed[c], (a[c] + b[c]) / 2.0, 1.5);
}

TEST(ImageComposite, PoissonBlendingHidesTheSeamAndStaysInsideTheBox) {
  const Image coffee = test::load_photo("coffee.png");
  const std::string chelsea = test::photo("chelsea.png").string();
  for (const json& box : {json{0.05, 0.6, 0.3, 0.3}, json{0.0, 0.0, 0.4, 0.4}, json{0.7, 0.7, 0.3, 0.3}}) {
    SCOPED_TRACE(box.dump());
    const cv::Rect rect(static_cast<int>(std::lround(box[0].get<double>() * 600)),
                        static_cast<int>(std::lround(box[1].get<double>() * 400)),
                        static_cast<int>(std::lround(box[2].get<double>() * 600)),
                        static_cast<int>(std::lround(box[3].get<double>() * 400)));
    const Image alpha =
        test::render_one(coffee, "image.composite", {{"box", box}}, {{"image", chelsea}, {"fit", "cover"}});
    const Image poisson = test::render_one(coffee, "image.composite", {{"box", box}},
                                           {{"image", chelsea}, {"fit", "cover"}, {"blend", "poisson"}});
    EXPECT_EQ(test::changed_pixels(coffee.mat(), poisson.mat(), outside(coffee.mat().size(), rect)), 0);
    EXPECT_GT(test::changed_pixels(coffee.mat(), poisson.mat()), rect.area() / 2);
    if (rect.x >= 2 && rect.x + rect.width + 2 <= 600) {
      const double alpha_jump = edge_jump(alpha.mat(), rect), poisson_jump = edge_jump(poisson.mat(), rect);
      std::printf("composite edge jump: alpha %.1f, poisson %.1f\n", alpha_jump, poisson_jump);
      EXPECT_LT(poisson_jump, alpha_jump / 2);
    }
  }
}

TEST(ImageComposite, BadParametersAreSpecific) {
  const Image coffee = test::load_photo("coffee.png");
  EXPECT_NE(test::error_of(coffee, "image.composite", {{"box", {0, 0, 0.5, 0.5}}}, {{"image", "/nope.png"}})
                .find("'/nope.png' is not a readable file"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "image.composite", {{"box", {0, 0, 0.5, 0.5}}},
                           {{"image", test::photo("chelsea.png").string()}, {"blend", "poisson"}, {"opacity", 0.5}})
                .find("'opacity' applies to blend 'alpha' only"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "image.composite", {{"box", {0, 0, 0.5, 0.5}}},
                           {{"image", test::photo("chelsea.png").string()}, {"blend", "screen"}})
                .find("blend"),
            std::string::npos);
}

}  // namespace
}  // namespace easel
