#include "easel/run/kept_verifier.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace easel {
namespace {

// `state`'s pixels at source coordinates (CV_8UC4, `size`), and where it has one (CV_8U, 255).
struct InSource {
  cv::Mat pixels;
  cv::Mat present;
};

InSource in_source_coordinates(const RenderState& state, cv::Size size) {
  InSource placed{cv::Mat(size, CV_8UC4, cv::Scalar::all(0)), cv::Mat(size, CV_8U, cv::Scalar(0))};
  const cv::Point offset = *state.source_offset;
  const cv::Mat& image = state.image.mat();
  // Source pixel s sits at s + offset in the state.
  const cv::Rect overlap = cv::Rect(cv::Point(0, 0), size) & (cv::Rect(0, 0, image.cols, image.rows) - offset);
  if (overlap.empty()) return placed;
  image(overlap + offset).copyTo(placed.pixels(overlap));
  placed.present(overlap).setTo(255);
  return placed;
}

}  // namespace

nlohmann::json verify_kept(const EditPlan& plan, const std::vector<KeptArea>& kept, const RenderState& before,
                           const RenderState& result) {
  nlohmann::json entries = nlohmann::json::array();
  for (const PreserveItem& item : plan.preserve) {
    nlohmann::json entry = {{"clause", item.clause}, {"target", item.target}};
    const auto area =
        std::find_if(kept.begin(), kept.end(), [&](const KeptArea& a) { return a.target == item.target; });
    if (area == kept.end()) {
      // No step of the round had to keep it (a plan with no steps never renders).
      entry.update(
          {{"pixels", nullptr}, {"changed_pixels", 0}, {"cut_off_pixels", 0}, {"comparable", true}, {"ok", true}});
      entries.push_back(std::move(entry));
      continue;
    }
    const cv::Mat& mask = area->source_pixels;
    entry["pixels"] = cv::countNonZero(mask);
    if (!before.source_offset || !result.source_offset) {
      entry.update({{"changed_pixels", nullptr},
                    {"cut_off_pixels", nullptr},
                    {"comparable", false},
                    {"ok", true},
                    {"note", "a resampling step made every pixel new, so there is no pixel to compare"}});
      entries.push_back(std::move(entry));
      continue;
    }
    const InSource was = in_source_coordinates(before, mask.size());
    const InSource is = in_source_coordinates(result, mask.size());
    const cv::Mat compared = mask & was.present & is.present;
    cv::Mat difference;
    cv::absdiff(was.pixels, is.pixels, difference);
    std::vector<cv::Mat> channels;
    cv::split(difference, channels);
    const cv::Mat changed = ((channels[0] | channels[1] | channels[2] | channels[3]) > 0) & compared;
    const int changed_pixels = cv::countNonZero(changed);
    const int cut_off = cv::countNonZero(mask & was.present & ~is.present);
    entry.update({{"changed_pixels", changed_pixels},
                  {"cut_off_pixels", cut_off},
                  {"comparable", true},
                  {"ok", changed_pixels == 0 && cut_off == 0}});
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace easel
