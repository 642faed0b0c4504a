#include "support/op_checks.hpp"

#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/plan/edit_plan.hpp"

namespace easel::test {

EditOutcome render_steps(const Image& source, const json& steps) {
  EditPlan plan = edit_plan_from_json(json{{"steps", steps}});
  validate_plan(plan);
  ResultCache cache;
  return run_edit(source, plan.steps, cache);
}

Image render_one(const Image& source, const std::string& op, const json& target, const json& params) {
  return render_steps(source, json::array({{{"op", op}, {"target", target}, {"params", params}}})).render.state.image;
}

std::string error_of(const Image& source, const std::string& op, const json& target, const json& params) {
  try {
    render_one(source, op, target, params);
  } catch (const Error& error) {
    return error.what();
  }
  ADD_FAILURE() << op << " with " << params.dump() << " on " << target.dump() << " did not fail";
  return {};
}

cv::Mat lightness(const Image& image) {
  cv::Mat rgb, lab;
  cv::cvtColor(image.to_rgba8().mat(), rgb, cv::COLOR_RGBA2RGB);
  rgb.convertTo(rgb, CV_32F, 1.0 / 255);
  cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
  cv::Mat l;
  cv::extractChannel(lab, l, 0);
  return l;
}

cv::Vec2d mean_hue_chroma(const Image& image, const cv::Mat& where) {
  cv::Mat rgb, lab;
  cv::cvtColor(image.to_rgba8().mat(), rgb, cv::COLOR_RGBA2RGB);
  rgb.convertTo(rgb, CV_32F, 1.0 / 255);
  cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
  const cv::Scalar mean = cv::mean(lab, where);
  double hue = std::atan2(mean[2], mean[1]) * 180 / CV_PI;
  if (hue < 0) hue += 360;
  return {hue, std::hypot(mean[1], mean[2])};
}

cv::Mat ssim_map(const cv::Mat& a, const cv::Mat& b, double range) {
  const double c1 = std::pow(0.01 * range, 2), c2 = std::pow(0.03 * range, 2);
  cv::Mat x, y;
  a.convertTo(x, CV_64F);
  b.convertTo(y, CV_64F);
  const auto blur = [](const cv::Mat& m) {
    cv::Mat out;
    cv::GaussianBlur(m, out, cv::Size(11, 11), 1.5);
    return out;
  };
  const cv::Mat mx = blur(x), my = blur(y);
  const cv::Mat sxx = blur(x.mul(x)) - mx.mul(mx), syy = blur(y.mul(y)) - my.mul(my), sxy = blur(x.mul(y)) - mx.mul(my);
  cv::Mat numerator = (2 * mx.mul(my) + c1).mul(2 * sxy + c2);
  cv::Mat denominator = (mx.mul(mx) + my.mul(my) + c1).mul(sxx + syy + c2);
  cv::Mat map;
  cv::divide(numerator, denominator, map);
  return map;
}

double psnr_rgb(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat x, y;
  cv::cvtColor(a, x, cv::COLOR_RGBA2RGB);
  cv::cvtColor(b, y, cv::COLOR_RGBA2RGB);
  return cv::PSNR(x, y, 255);
}

double ssim_grey(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat x, y;
  cv::cvtColor(a, x, cv::COLOR_RGBA2GRAY);
  cv::cvtColor(b, y, cv::COLOR_RGBA2GRAY);
  return cv::mean(ssim_map(x, y, 255))[0];
}

int changed_pixels(const cv::Mat& a, const cv::Mat& b, const cv::Mat& where) {
  cv::Mat difference;
  cv::absdiff(a, b, difference);
  cv::Mat any;
  cv::transform(difference, any, cv::Matx14f(1, 1, 1, 1));
  cv::Mat changed = any > 0;
  if (!where.empty()) changed &= where;
  return cv::countNonZero(changed);
}

}  // namespace easel::test
