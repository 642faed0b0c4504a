#pragma once
// Shared by the op and region tests: running a plan, and the image metrics their assertions use.
#include <string>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"
#include "easel/ops/param.hpp"
#include "easel/run/edit_job.hpp"

namespace easel::test {

// Validates and runs `steps` (EditPlan JSON) on `source`.
EditOutcome render_steps(const Image& source, const json& steps);
// The resulting image of a one-step plan.
Image render_one(const Image& source, const std::string& op, const json& target, const json& params);
// The message of the Error a one-step plan throws (validation or execution); fails the test when none.
std::string error_of(const Image& source, const std::string& op, const json& target, const json& params);

// CIELAB lightness (0..100) as CV_32F.
cv::Mat lightness(const Image& image);
// Mean hue angle (degrees, 0..360) and chroma of the pixels where `where` is non-zero.
cv::Vec2d mean_hue_chroma(const Image& image, const cv::Mat& where);
// Per-pixel SSIM map (Gaussian window, σ = 1.5, as Wang et al. 2004) of two single-channel images with
// the given dynamic range.
cv::Mat ssim_map(const cv::Mat& a, const cv::Mat& b, double range);
// PSNR (dB) over the RGB channels of two 8-bit RGBA images.
double psnr_rgb(const cv::Mat& a, const cv::Mat& b);
// Mean SSIM over the grey (luma) versions of two 8-bit RGBA images.
double ssim_grey(const cv::Mat& a, const cv::Mat& b);
// Pixels that differ in any channel.
int changed_pixels(const cv::Mat& a, const cv::Mat& b, const cv::Mat& where = cv::Mat());

}  // namespace easel::test
