// image.upscale: each method against the original after a ×2/×4 reduction of real photos, PSNR and SSIM
// per method beside bicubic; a 12-megapixel tiled output without seams; limits.
#include <gtest/gtest.h>

#include <map>

#include <opencv2/imgproc.hpp>

#include "support/op_checks.hpp"
#include "easel/ops/image_upscale.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

const char* const kPhotos[] = {"astronaut.png", "coffee.png", "chelsea.png", "motorcycle_left.png"};
const char* const kMethods[] = {"bicubic", "lanczos", "sharp", "backprojection"};

struct Score {
  double psnr = 0;
  double ssim = 0;
};

// Cropped to a multiple of 4 so ×2 and ×4 reductions are exact.
Image photo_multiple_of_4(const char* name) {
  const Image photo = test::load_photo(name);
  return Image(photo.mat()(cv::Rect(0, 0, photo.width() / 4 * 4, photo.height() / 4 * 4)).clone());
}

TEST(ImageUpscale, EveryMethodAgainstBicubicOnReducedRealPhotos) {
  for (int factor : {2, 4}) {
    std::map<std::string, Score> mean;
    for (const char* name : kPhotos) {
      const Image original = photo_multiple_of_4(name);
      cv::Mat small;
      cv::resize(original.mat(), small, original.mat().size() / factor, 0, 0, cv::INTER_AREA);
      for (const char* method : kMethods) {
        const Image up =
            test::render_one(Image(small), "image.upscale", json::object(), {{"factor", factor}, {"method", method}});
        ASSERT_EQ(up.mat().size(), original.mat().size());
        const Score s{test::psnr_rgb(up.mat(), original.mat()), test::ssim_grey(up.mat(), original.mat())};
        std::printf("upscale ×%d %-20s %-15s PSNR %6.2f dB  SSIM %.4f\n", factor, name, method, s.psnr, s.ssim);
        mean[method].psnr += s.psnr / std::size(kPhotos);
        mean[method].ssim += s.ssim / std::size(kPhotos);
      }
    }
    for (const char* method : kMethods) {
      std::printf("upscale ×%d mean %-15s PSNR %6.2f dB (%+.2f vs bicubic)  SSIM %.4f (%+.4f)\n", factor, method,
                  mean[method].psnr, mean[method].psnr - mean["bicubic"].psnr, mean[method].ssim,
                  mean[method].ssim - mean["bicubic"].ssim);
      RecordProperty("x" + std::to_string(factor) + "_" + method + "_psnr", std::to_string(mean[method].psnr));
    }
    // The default (back-projection) must beat bicubic on both measures; the others must not lose much.
    EXPECT_GT(mean["backprojection"].psnr, mean["bicubic"].psnr + 0.3) << "×" << factor;
    EXPECT_GT(mean["backprojection"].ssim, mean["bicubic"].ssim) << "×" << factor;
    EXPECT_GT(mean["lanczos"].psnr, mean["bicubic"].psnr - 0.1) << "×" << factor;
    EXPECT_GT(mean["sharp"].ssim, mean["bicubic"].ssim) << "×" << factor;
  }
}

TEST(ImageUpscale, TwelveMegapixelsTiledWithoutSeams) {
  // 1000×750 from a real photo, ×4 = 4000×3000.
  cv::Mat input;
  cv::resize(test::load_photo("motorcycle_left.png").mat(), input, cv::Size(1000, 750), 0, 0, cv::INTER_AREA);
  const Image out = test::render_one(Image(input), "image.upscale", json::object(), {{"factor", 4}});
  ASSERT_EQ(out.mat().size(), cv::Size(4000, 3000));
  for (const char* method : {"lanczos", "backprojection"}) {
    // The same enlargement in one piece: any difference comes from the tiling.
    const cv::Mat tiled = std::string(method) == "backprojection" ? out.mat() : upscale_tiled(input, 4, method);
    const cv::Mat whole = upscale_tiled(input, 4, method, 1 << 20);
    cv::Mat difference;
    cv::absdiff(tiled, whole, difference);
    double largest = 0;
    cv::minMaxLoc(difference.reshape(1), nullptr, &largest);
    std::printf("12 MP ×4 %s: max |tiled − whole| = %.0f (over all pixels, seams included)\n", method, largest);
    EXPECT_LE(largest, 1) << method;
  }
}

TEST(ImageUpscale, SizesAndLimits) {
  const Image coffee = test::load_photo("coffee.png");  // 600×400
  EXPECT_EQ(test::render_one(coffee, "image.upscale", json::object(), json::object()).mat().size(),
            cv::Size(1200, 800));
  EXPECT_EQ(test::render_one(coffee, "image.upscale", json::object(), {{"width", 1000}}).mat().size(),
            cv::Size(1000, 667));
  EXPECT_EQ(test::render_one(coffee, "image.upscale", json::object(),
                             {{"width", 1500}, {"height", 900}, {"method", "lanczos"}})
                .mat()
                .size(),
            cv::Size(1500, 900));
  EXPECT_NE(test::error_of(coffee, "image.upscale", json::object(), {{"factor", 5}}).find("factor"), std::string::npos);
  EXPECT_NE(test::error_of(coffee, "image.upscale", json::object(), {{"factor", 2}, {"width", 1000}})
                .find("either 'factor' or 'width'/'height'"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "image.upscale", json::object(), {{"width", 500}}).find("not larger than the image"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "image.upscale", json::object(), {{"width", 3000}}).find("at most 4"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "image.upscale", json::object(), {{"method", "esrgan"}}).find("method"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "image.upscale", {{"region", "left"}}, json::object()).find("whole image only"),
            std::string::npos);
  // Over the 100-megapixel output limit.
  const Image big(cv::Mat(6000, 5000, CV_8UC4, cv::Scalar::all(128)));
  EXPECT_NE(test::error_of(big, "image.upscale", json::object(), {{"factor", 2}}).find("megapixel"), std::string::npos);
}

}  // namespace
}  // namespace easel
