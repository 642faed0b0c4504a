#include "easel/run/verifier.hpp"

#include <cmath>

#include <opencv2/imgproc.hpp>

namespace easel {
namespace {

// Mean structural similarity (Wang et al. 2004, 11×11 Gaussian window, σ = 1.5) of two grey images over
// the pixels where `where` is non-zero. OpenCV's quality module is not in Debian's build, so the few
// filter calls are written here.
double masked_ssim(const cv::Mat& a8, const cv::Mat& b8, const cv::Mat& where) {
  cv::Mat a, b;
  a8.convertTo(a, CV_32F);
  b8.convertTo(b, CV_32F);
  const double c1 = std::pow(0.01 * 255, 2), c2 = std::pow(0.03 * 255, 2);
  const auto blur = [](const cv::Mat& in) {
    cv::Mat out;
    cv::GaussianBlur(in, out, cv::Size(11, 11), 1.5);
    return out;
  };
  const cv::Mat mu_a = blur(a), mu_b = blur(b);
  const cv::Mat mu_a2 = mu_a.mul(mu_a), mu_b2 = mu_b.mul(mu_b), mu_ab = mu_a.mul(mu_b);
  const cv::Mat sigma_a2 = blur(a.mul(a)) - mu_a2, sigma_b2 = blur(b.mul(b)) - mu_b2, sigma_ab = blur(a.mul(b)) - mu_ab;
  cv::Mat numerator = (2 * mu_ab + c1).mul(2 * sigma_ab + c2);
  cv::Mat denominator = (mu_a2 + mu_b2 + c1).mul(sigma_a2 + sigma_b2 + c2);
  cv::Mat ssim;
  cv::divide(numerator, denominator, ssim);
  return cv::mean(ssim, where)[0];
}

}  // namespace

PreservationReport verify_preservation(const Image& source, const RenderState& result) {
  PreservationReport report;
  const cv::Mat& output = result.image.mat();
  if (!result.source_offset) {
    report.comparable = false;
    report.edited_fraction = 1;
    return report;
  }
  report.edited_fraction =
      static_cast<double>(cv::countNonZero(result.edited)) / static_cast<double>(result.edited.total());
  const cv::Point offset = *result.source_offset;
  const cv::Rect overlap =
      cv::Rect(0, 0, output.cols, output.rows) & (cv::Rect(0, 0, source.width(), source.height()) + offset);
  if (overlap.empty()) return report;
  const cv::Mat unedited = result.edited(overlap) == 0;
  const int outside_count = cv::countNonZero(unedited);
  if (outside_count == 0) return report;

  const cv::Mat expected = source.to_rgba8().mat()(overlap - offset);
  const cv::Mat actual = output(overlap);
  cv::Mat difference;
  cv::absdiff(expected, actual, difference);
  std::vector<cv::Mat> channels;
  cv::split(difference, channels);
  cv::Mat any_change = (channels[0] | channels[1] | channels[2] | channels[3]) > 0;
  report.changed_pixels_outside = static_cast<std::uint64_t>(cv::countNonZero(any_change & unedited));
  if (report.changed_pixels_outside > 0) {
    cv::Mat squared;
    difference.convertTo(squared, CV_64F);
    squared = squared.mul(squared);
    const cv::Scalar sums = cv::sum(squared.setTo(0, ~unedited));
    const double mse = (sums[0] + sums[1] + sums[2]) / (3.0 * outside_count);
    report.psnr_outside_db = 10 * std::log10(255.0 * 255.0 / mse);
  }
  // Edited pixels are made equal in both images first, so windows straddling an edit's edge measure
  // only what changed outside it.
  cv::Mat actual_outside = actual.clone();
  expected.copyTo(actual_outside, ~unedited);
  cv::Mat grey_expected, grey_actual;
  cv::cvtColor(expected, grey_expected, cv::COLOR_RGBA2GRAY);
  cv::cvtColor(actual_outside, grey_actual, cv::COLOR_RGBA2GRAY);
  report.ssim_outside = masked_ssim(grey_expected, grey_actual, unedited);
  return report;
}

nlohmann::json to_json(const PreservationReport& report) {
  nlohmann::json out = {{"edited_fraction", report.edited_fraction},
                        {"changed_pixels_outside", report.changed_pixels_outside},
                        {"psnr_outside_db", nullptr},
                        {"ssim_outside", nullptr},
                        {"comparable", report.comparable}};
  if (report.psnr_outside_db) out["psnr_outside_db"] = *report.psnr_outside_db;
  if (report.ssim_outside) out["ssim_outside"] = *report.ssim_outside;
  return out;
}

}  // namespace easel
