#include "easel/regions/object_region.hpp"

#include <algorithm>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/saliency.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/color.hpp"
#include "easel/regions/color_range.hpp"
#include "easel/regions/region.hpp"

namespace easel {
namespace {

// Saliency is computed on a copy no longer than this on its long side: the map is coarse anyway, and
// the fine-grained filter's cost grows with the pixel count.
constexpr int kSaliencySide = 512;

cv::Mat salient_pixels(const Image& image) {
  cv::Mat grey;
  cv::cvtColor(image.to_rgba8().mat(), grey, cv::COLOR_RGBA2GRAY);
  const double scale = std::min(1.0, static_cast<double>(kSaliencySide) / std::max(grey.cols, grey.rows));
  cv::Mat small;
  cv::resize(grey, small, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::Mat saliency;
  cv::saliency::StaticSaliencyFineGrained::create()->computeSaliency(small, saliency);
  if (saliency.type() != CV_8U) saliency.convertTo(saliency, CV_8U, 255);
  cv::GaussianBlur(saliency, saliency, cv::Size(), 2);
  cv::Mat binary;
  cv::threshold(saliency, binary, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  cv::resize(binary, binary, grey.size(), 0, 0, cv::INTER_LINEAR);
  return binary > 127;
}

// Saliency outlines an object only roughly; GrabCut (colour models of object and surroundings, graph
// cut) snaps it to the object's real edges. It runs on a copy no larger than the saliency map, seeded with
// the component as "probably object", a ring around it as "probably background", the rest as background.
cv::Mat snapped_to_edges(const cv::Mat& rgba, const cv::Mat& component) {
  constexpr int kIterations = 3;
  const double scale = std::min(1.0, static_cast<double>(kSaliencySide) / std::max(rgba.cols, rgba.rows));
  cv::Mat rgb, small_rgb, small_component;
  cv::cvtColor(rgba, rgb, cv::COLOR_RGBA2BGR);
  cv::resize(rgb, small_rgb, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::resize(component, small_component, small_rgb.size(), 0, 0, cv::INTER_NEAREST);
  const cv::Rect box = cv::boundingRect(small_component);
  const int ring = std::max(5, std::max(box.width, box.height) / 4);
  cv::Mat near;
  cv::dilate(small_component, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * ring + 1, 2 * ring + 1)));
  cv::Mat labels(small_rgb.size(), CV_8U, cv::Scalar(cv::GC_BGD));
  labels.setTo(cv::GC_PR_BGD, near);
  labels.setTo(cv::GC_PR_FGD, small_component);
  cv::Mat background_model, foreground_model;
  cv::grabCut(small_rgb, labels, cv::Rect(), background_model, foreground_model, kIterations, cv::GC_INIT_WITH_MASK);
  cv::Mat object = (labels == cv::GC_FGD) | (labels == cv::GC_PR_FGD);
  cv::resize(object, object, component.size(), 0, 0, cv::INTER_LINEAR);
  return object > 127;
}

cv::Mat filled_holes(const cv::Mat& component) {
  cv::Mat outside;
  cv::copyMakeBorder(component, outside, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::floodFill(outside, cv::Point(0, 0), cv::Scalar(255));
  cv::Mat holes = outside(cv::Rect(1, 1, component.cols, component.rows)) == 0;
  return component | holes;
}

// The connected component of `mask` with the most pixels inside `reference`; empty when none reaches it.
cv::Mat component_overlapping_most(const cv::Mat& mask, const cv::Mat& reference) {
  cv::Mat labels;
  const int count = cv::connectedComponents(mask, labels, 8, CV_32S);
  std::vector<int> overlap(static_cast<std::size_t>(count), 0);
  for (int y = 0; y < labels.rows; ++y) {
    const auto* label = labels.ptr<int>(y);
    const auto* in_reference = reference.ptr<uchar>(y);
    for (int x = 0; x < labels.cols; ++x) {
      if (label[x] > 0 && in_reference[x]) ++overlap[static_cast<std::size_t>(label[x])];
    }
  }
  const auto best = std::max_element(overlap.begin(), overlap.end());
  if (count <= 1 || *best == 0) return {};
  return labels == static_cast<int>(best - overlap.begin());
}

}  // namespace

json validate_object_target(const json& value, const std::string& where_in_plan) {
  json object = value.is_string() ? json{{"where", value}} : value;
  if (!object.is_object()) {
    throw Error(ErrorKind::plan, where_in_plan +
                                     ": 'object' must be a region name such as \"left\" or an object "
                                     "{\"where\": …, \"color\": …, \"tolerance\": …}, got " +
                                     value.dump());
  }
  for (const auto& item : object.items()) {
    if (item.key() != "where" && item.key() != "color" && item.key() != "tolerance") {
      throw Error(ErrorKind::plan,
                  where_in_plan + ": unknown key '" + item.key() + "' in 'object' (allowed: where, color, tolerance)");
    }
  }
  const json place = object.value("where", json("all"));
  const auto& names = spatial_region_names();
  if (!place.is_string() || std::find(names.begin(), names.end(), place.get<std::string>()) == names.end()) {
    std::string known;
    for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorKind::plan,
                where_in_plan + ": object 'where' " + place.dump() + " is not a spatial region (known: " + known + ")");
  }
  object["where"] = place;
  if (object.contains("color") && (!object["color"].is_string() || !parse_color(object["color"].get<std::string>()))) {
    throw Error(ErrorKind::plan, where_in_plan + ": object colour " + object["color"].dump() + " is not a colour");
  }
  if (object.contains("tolerance")) {
    const json& tolerance = object["tolerance"];
    if (!object.contains("color")) throw Error(ErrorKind::plan, where_in_plan + ": object 'tolerance' needs a 'color'");
    if (!tolerance.is_number() || tolerance.get<double>() <= 0 || tolerance.get<double>() > 100) {
      throw Error(ErrorKind::plan, where_in_plan + ": object 'tolerance' must be in (0, 100], got " + tolerance.dump());
    }
  } else if (object.contains("color")) {
    object["tolerance"] = 20;
  }
  return object;
}

cv::Mat object_region_weight(const json& target, const Image& image, const std::string& where_in_plan,
                             const RunContext& context) {
  const json object = validate_object_target(target.at("object"), where_in_plan);
  const std::string place = object["where"].get<std::string>();
  cv::Mat candidates;
  if (object.contains("color")) {
    candidates =
        color_range_weight(image, object["color"].get<std::string>(), object["tolerance"].get<double>()) >= 0.5f;
  } else {
    candidates = salient_pixels(image);
  }
  // Close gaps of about 1 % of the image (specular highlights, thin shadows) so an object is one piece.
  const int gap = std::max(3, std::min(image.width(), image.height()) / 100) | 1;
  cv::morphologyEx(candidates, candidates, cv::MORPH_CLOSE,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(gap, gap)));
  const cv::Mat part = resolve_region({{"region", place}, {"feather", 0}}, image, where_in_plan, context) > 0.5f;
  cv::Mat component = component_overlapping_most(candidates, part);
  if (component.empty()) {
    const std::string what =
        object.contains("color") ? "no " + object["color"].get<std::string>() + " pixels" : "no salient object";
    throw Error(ErrorKind::plan,
                where_in_plan + ": the object target found " + what + " in the '" + place + "' part of the image");
  }
  if (!object.contains("color")) {
    // GrabCut may leave specks elsewhere: keep the piece that overlaps the candidate.
    const cv::Mat snapped = component_overlapping_most(snapped_to_edges(image.to_rgba8().mat(), component), component);
    if (!snapped.empty()) component = snapped;
  }
  component = filled_holes(component);
  cv::Mat weight;
  const double feather = target.value("feather", 0.0);
  if (feather >= 1) {
    cv::distanceTransform(component, weight, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    weight = cv::min(weight / feather, 1.0);
  } else {
    component.convertTo(weight, CV_32F, 1.0 / 255);
  }
  return weight;
}

}  // namespace easel
