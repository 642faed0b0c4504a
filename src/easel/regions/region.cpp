#include "easel/regions/region.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/ops/color.hpp"
#include "easel/regions/color_range.hpp"
#include "easel/regions/object_region.hpp"
#include "easel/vision/find_text.hpp"
#include "easel/vision/segmentation.hpp"

namespace easel {
namespace {

struct NamedRegion {
  const char* name;
  std::array<double, 4> box;  // x, y, w, h as fractions
};

constexpr std::array<NamedRegion, 16> kNamedRegions{{
    {"left", {0, 0, 0.5, 1}},
    {"right", {0.5, 0, 0.5, 1}},
    {"top", {0, 0, 1, 0.5}},
    {"bottom", {0, 0.5, 1, 0.5}},
    {"center", {0.25, 0.25, 0.5, 0.5}},
    {"top-left", {0, 0, 0.5, 0.5}},
    {"top-right", {0.5, 0, 0.5, 0.5}},
    {"bottom-left", {0, 0.5, 0.5, 0.5}},
    {"bottom-right", {0.5, 0.5, 0.5, 0.5}},
    {"left-third", {0, 0, 1.0 / 3, 1}},
    {"center-third", {1.0 / 3, 0, 1.0 / 3, 1}},
    {"right-third", {2.0 / 3, 0, 1.0 / 3, 1}},
    {"top-third", {0, 0, 1, 1.0 / 3}},
    {"middle-third", {0, 1.0 / 3, 1, 1.0 / 3}},
    {"bottom-third", {0, 2.0 / 3, 1, 1.0 / 3}},
    {"all", {0, 0, 1, 1}},
}};

const char* const kTargetKeys[] = {"region", "box", "mask", "color", "text", "object", "below"};

// Default inward feather for geometric regions: 2 % of the shorter side, enough to hide the seam.
double default_feather(const Image& image) { return 0.02 * std::min(image.width(), image.height()); }

cv::Rect fraction_rect(const std::array<double, 4>& box, cv::Size size) {
  const int x0 = static_cast<int>(std::lround(box[0] * size.width));
  const int y0 = static_cast<int>(std::lround(box[1] * size.height));
  const int x1 = static_cast<int>(std::lround((box[0] + box[2]) * size.width));
  const int y1 = static_cast<int>(std::lround((box[1] + box[3]) * size.height));
  return cv::Rect(cv::Point(x0, y0), cv::Point(std::max(x1, x0 + 1), std::max(y1, y0 + 1))) &
         cv::Rect(cv::Point(0, 0), size);
}

// Weight ramps from 1/feather at the region's edge to 1 at `feather` pixels inside; the image border
// is not an edge (replicated padding), so a left half fades only along its right side.
cv::Mat feathered(const cv::Mat& hard, double feather) {
  cv::Mat weight;
  if (feather < 1) {
    hard.convertTo(weight, CV_32F, 1.0 / 255);
    return weight;
  }
  cv::Mat padded;
  cv::copyMakeBorder(hard, padded, 1, 1, 1, 1, cv::BORDER_REPLICATE);
  cv::Mat distance;
  cv::distanceTransform(padded, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  weight = cv::min(distance(cv::Rect(1, 1, hard.cols, hard.rows)) / feather, 1.0);
  return weight;
}

cv::Mat mask_from_file(const std::string& path, const Image& image, const std::string& where) {
  const Image mask = read_image_file(path, DecodeLimits{}).image.to_rgba8();
  if (mask.width() != image.width() || mask.height() != image.height()) {
    throw Error(ErrorKind::plan, where + ": mask " + path + " is " + std::to_string(mask.width()) + "x" +
                                     std::to_string(mask.height()) + " but the image it applies to is " +
                                     std::to_string(image.width()) + "x" + std::to_string(image.height()));
  }
  std::vector<cv::Mat> channels;
  cv::split(mask.mat(), channels);
  cv::Mat weight;
  if (mask.has_transparency()) {
    channels[3].convertTo(weight, CV_32F, -1.0 / 255, 1.0);  // OpenAI convention: alpha 0 marks the edit
  } else {
    cv::Mat grey;
    cv::cvtColor(mask.mat(), grey, cv::COLOR_RGBA2GRAY);
    grey.convertTo(weight, CV_32F, 1.0 / 255);
  }
  return weight;
}

bool is_one_of(const std::string& name, const std::vector<std::string>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

const std::vector<std::string>& spatial_region_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const auto& region : kNamedRegions) all.emplace_back(region.name);
    return all;
  }();
  return names;
}

const std::vector<std::string>& segmentation_region_names() {
  static const std::vector<std::string> names{"background", "subject", "foreground", "product", "person"};
  return names;
}

RegionKind region_kind_of(const json& target) {
  if (target.contains("box")) return RegionKind::box;
  if (target.contains("mask")) return RegionKind::mask;
  if (target.contains("color")) return RegionKind::color;
  if (target.contains("text")) return RegionKind::text;
  if (target.contains("object")) return RegionKind::object;
  if (target.contains("below")) return RegionKind::below_text;
  const std::string name = target.value("region", "all");
  if (name == "all") return RegionKind::all;
  return is_one_of(name, segmentation_region_names()) ? RegionKind::segmentation : RegionKind::named;
}

bool targets_whole_image(const json& target) { return region_kind_of(target) == RegionKind::all; }

json validate_target(const json& target, const OperationSpec& op, const std::string& where) {
  json resolved = target.is_null() ? json{{"region", "all"}} : target;
  if (!resolved.is_object()) throw Error(ErrorKind::plan, where + ": 'target' must be an object, got " + target.dump());
  int kinds = 0;
  for (const char* key : kTargetKeys) kinds += resolved.contains(key) ? 1 : 0;
  if (kinds == 0) resolved["region"] = "all";
  if (kinds > 1)
    throw Error(ErrorKind::plan, where + ": 'target' must have exactly one of region, box, mask, color, text, object");
  for (const auto& item : resolved.items()) {
    const std::string key = item.key();
    const bool known =
        key == "feather" || key == "tolerance" ||
        std::any_of(std::begin(kTargetKeys), std::end(kTargetKeys), [&](const char* k) { return key == k; });
    if (!known) throw Error(ErrorKind::plan, where + ": unknown target key '" + key + "'");
  }
  if (resolved.contains("region")) {
    const auto& name = resolved["region"];
    if (!name.is_string() || !(is_one_of(name.get<std::string>(), spatial_region_names()) ||
                               is_one_of(name.get<std::string>(), segmentation_region_names()))) {
      throw Error(ErrorKind::plan, where + ": unknown region " + name.dump() +
                                       " (known: " + joined(spatial_region_names()) + ", " +
                                       joined(segmentation_region_names()) + ")");
    }
  }
  if (resolved.contains("box")) {
    ParamSpec box_spec;
    box_spec.name = "box";
    box_spec.type = ParamType::box;
    validate_param_value(box_spec, resolved["box"], where);
  }
  if (resolved.contains("mask") && (!resolved["mask"].is_string() || resolved["mask"].get<std::string>().empty())) {
    throw Error(ErrorKind::plan, where + ": 'mask' must be a file name");
  }
  if (resolved.contains("color")) {
    if (!resolved["color"].is_string() || !parse_color(resolved["color"].get<std::string>())) {
      throw Error(ErrorKind::plan, where + ": target colour " + resolved["color"].dump() + " is not a colour");
    }
    const json tolerance = resolved.value("tolerance", json(20));
    if (!tolerance.is_number() || tolerance.get<double>() <= 0 || tolerance.get<double>() > 100) {
      throw Error(ErrorKind::plan,
                  where + ": 'tolerance' must be a colour distance in (0, 100], got " + tolerance.dump());
    }
    resolved["tolerance"] = tolerance;
  }
  if (resolved.contains("text") && (!resolved["text"].is_string() || resolved["text"].get<std::string>().empty())) {
    throw Error(ErrorKind::plan, where + ": 'text' must be the text to find");
  }
  if (resolved.contains("object")) resolved["object"] = validate_object_target(resolved["object"], where);
  if (resolved.contains("below") && (!resolved["below"].is_string() || resolved["below"].get<std::string>().empty())) {
    throw Error(ErrorKind::plan, where + ": 'below' must be text an earlier step adds");
  }
  if (resolved.contains("feather")) {
    const auto& feather = resolved["feather"];
    if (!feather.is_number() || feather.get<double>() < 0 || feather.get<double>() > 1000) {
      throw Error(ErrorKind::plan,
                  where + ": 'feather' must be a number of pixels in [0, 1000], got " + feather.dump());
    }
  }
  const RegionKind kind = region_kind_of(resolved);
  if (std::find(op.regions.begin(), op.regions.end(), kind) == op.regions.end()) {
    throw Error(ErrorKind::plan, where + ": " + op.name + " applies to the whole image only, not to a " +
                                     region_kind_name(kind) + " target");
  }
  return resolved;
}

cv::Mat resolve_region(const json& target, const Image& image, const std::string& where, const RunContext& context) {
  const cv::Size size(image.width(), image.height());
  switch (region_kind_of(target)) {
    case RegionKind::all:
      return cv::Mat(size, CV_32F, cv::Scalar(1));
    case RegionKind::named:
    case RegionKind::box: {
      std::array<double, 4> box{};
      if (target.contains("box")) {
        for (size_t i = 0; i < 4; ++i) box[i] = target["box"][i].get<double>();
      } else {
        const std::string name = target["region"].get<std::string>();
        box = std::find_if(kNamedRegions.begin(), kNamedRegions.end(), [&](const NamedRegion& r) {
                return name == r.name;
              })->box;
      }
      cv::Mat hard(size, CV_8U, cv::Scalar(0));
      hard(fraction_rect(box, size)).setTo(255);
      return feathered(hard, target.value("feather", default_feather(image)));
    }
    case RegionKind::mask: {
      cv::Mat weight = mask_from_file(target["mask"].get<std::string>(), image, where);
      if (target.value("feather", 0.0) >= 1) {
        cv::Mat hard;
        weight.convertTo(hard, CV_8U, 255);
        cv::threshold(hard, hard, 127, 255, cv::THRESH_BINARY);
        weight = cv::min(weight, feathered(hard, target["feather"].get<double>()));
      }
      return weight;
    }
    case RegionKind::color:
      return color_range_weight(image, target["color"].get<std::string>(), target.value("tolerance", 20.0));
    case RegionKind::object:
      return object_region_weight(target, image, where, context);
    case RegionKind::segmentation: {
      // The subject's refined alpha (vision/segmentation.hpp) weighs subject regions; its complement the background.
      const SubjectMask subject = [&] {
        try {
          SubjectMask mask = segment_subject_for_edit(image, context.segmenter);
          if (context.used != nullptr) context.used->segmentations.push_back(mask.note);
          return mask;
        } catch (const Error& error) {
          throw Error(error.kind(), where + ": " + error.what());
        }
      }();
      cv::Mat weight = target["region"] == "background" ? cv::Mat(1.0 - subject.alpha) : subject.alpha;
      if (target.value("feather", 0.0) >= 1)
        weight = cv::min(weight, feathered(weight >= 0.5, target["feather"].get<double>()));
      return weight;
    }
    case RegionKind::below_text:
      throw Error(ErrorKind::plan,
                  where + ": a 'below' target is the band under earlier text; only text ops place into it");
    case RegionKind::text: {
      // The letters where OCR reads the string, grown by a tenth of its height to take their
      // anti-aliased edges and any outline (as text.replace erases them).
      const std::string wanted = target["text"].get<std::string>();
      const cv::Mat rgba = image.to_rgba8().mat();
      const auto box = find_text(rgba, wanted);
      if (!box) throw Error(ErrorKind::input, where + ": OCR did not find the text \"" + wanted + "\" in the image");
      const int grow = std::max(2, box->height / 10);
      const cv::Rect window =
          cv::Rect(box->x - 2 * grow, box->y - 2 * grow, box->width + 4 * grow, box->height + 4 * grow) &
          cv::Rect(0, 0, image.width(), image.height());
      cv::Mat rgb;
      cv::cvtColor(rgba(window), rgb, cv::COLOR_RGBA2RGB);
      cv::Mat letters = letter_pixels(rgb, *box - window.tl()).mask;
      cv::dilate(letters, letters, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
      cv::Mat weight(image.height(), image.width(), CV_32F, cv::Scalar(0));
      letters.convertTo(weight(window), CV_32F, 1.0 / 255);
      return weight;
    }
  }
  throw Error(ErrorKind::internal, where + ": unhandled region kind");
}

// One pass by hand rather than OpenCV float arithmetic: weight-0 pixels are never written (so they stay
// bit-identical by construction) and no full-size float copies are made.
Image blend_within(const Image& input, const Image& edited, const cv::Mat& weight) {
  const cv::Mat& in = input.mat();
  const cv::Mat& out = edited.mat();
  cv::Mat result = in.clone();
  cv::parallel_for_(cv::Range(0, in.rows), [&](const cv::Range& rows) {
    for (int y = rows.start; y < rows.end; ++y) {
      const auto* w = weight.ptr<float>(y);
      const auto* a = in.ptr<cv::Vec4b>(y);
      const auto* b = out.ptr<cv::Vec4b>(y);
      auto* r = result.ptr<cv::Vec4b>(y);
      for (int x = 0; x < in.cols; ++x) {
        if (w[x] <= 0) continue;
        if (w[x] >= 1) {
          r[x] = b[x];
          continue;
        }
        for (int c = 0; c < 4; ++c) {
          r[x][c] = cv::saturate_cast<uchar>(a[x][c] + (b[x][c] - a[x][c]) * w[x]);
        }
      }
    }
  });
  return Image(result);
}

}  // namespace easel
