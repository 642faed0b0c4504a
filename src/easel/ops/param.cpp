#include "easel/ops/param.hpp"

#include <cmath>
#include <numeric>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/color.hpp"

namespace easel {
namespace {

[[noreturn]] void fail(const std::string& where, const ParamSpec& spec, const std::string& problem) {
  throw Error(ErrorKind::plan, where + ": parameter '" + spec.name + "' " + problem);
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string range_text(const ParamSpec& spec) {
  if (spec.min && spec.max) return "[" + format_number(*spec.min) + ", " + format_number(*spec.max) + "]";
  if (spec.min) return ">= " + format_number(*spec.min);
  if (spec.max) return "<= " + format_number(*spec.max);
  return "any value";
}

void check_range(const ParamSpec& spec, double value, const std::string& where) {
  if (!std::isfinite(value)) fail(where, spec, "must be a finite number");
  if ((spec.min && value < *spec.min) || (spec.max && value > *spec.max)) {
    fail(where, spec,
         "= " + format_number(value) + " is out of range " + range_text(spec) +
             (spec.unit.empty() ? "" : " " + spec.unit));
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

}  // namespace

const char* param_type_name(ParamType type) {
  switch (type) {
    case ParamType::number:
      return "number";
    case ParamType::integer:
      return "integer";
    case ParamType::boolean:
      return "boolean";
    case ParamType::string:
      return "string";
    case ParamType::choice:
      return "choice";
    case ParamType::color:
      return "color";
    case ParamType::aspect:
      return "aspect";
    case ParamType::box:
      return "box";
    case ParamType::quad:
      return "quad";
    case ParamType::image_file:
      return "image_file";
  }
  return "unknown";
}

std::optional<AspectRatio> parse_aspect_ratio(const json& value) {
  double ratio = 0;
  if (value.is_number()) {
    ratio = value.get<double>();
  } else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    const auto separator = text.find_first_of(":x");
    try {
      if (separator == std::string::npos) {
        std::size_t used = 0;
        ratio = std::stod(text, &used);
        if (used != text.size()) return std::nullopt;
      } else {
        std::size_t used_w = 0, used_h = 0;
        const std::string w_text = text.substr(0, separator), h_text = text.substr(separator + 1);
        const long w = std::stol(w_text, &used_w), h = std::stol(h_text, &used_h);
        if (used_w != w_text.size() || used_h != h_text.size() || w <= 0 || h <= 0 || w > 10000 || h > 10000) {
          return std::nullopt;
        }
        const long divisor = std::gcd(w, h);
        return AspectRatio{static_cast<int>(w / divisor), static_cast<int>(h / divisor)};
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(ratio) || ratio < 0.01 || ratio > 100) return std::nullopt;
  AspectRatio best{1, 1};
  double best_error = INFINITY;
  for (int height = 1; height <= 100; ++height) {
    const int width = static_cast<int>(std::lround(ratio * height));
    if (width < 1) continue;
    const double error = std::abs(static_cast<double>(width) / height - ratio);
    if (error < best_error - 1e-12) {
      best_error = error;
      best = {width, height};
    }
  }
  const int divisor = std::gcd(best.width, best.height);
  return AspectRatio{best.width / divisor, best.height / divisor};
}

json validate_param_value(const ParamSpec& spec, const json& value, const std::string& where) {
  switch (spec.type) {
    case ParamType::number:
      if (!value.is_number()) fail(where, spec, "must be a number, got " + value.dump());
      check_range(spec, value.get<double>(), where);
      return value.get<double>();
    case ParamType::integer: {
      if (!value.is_number()) fail(where, spec, "must be a whole number, got " + value.dump());
      const double number = value.get<double>();
      if (std::floor(number) != number) fail(where, spec, "must be a whole number, got " + value.dump());
      check_range(spec, number, where);
      return static_cast<long long>(number);
    }
    case ParamType::boolean:
      if (!value.is_boolean()) fail(where, spec, "must be true or false, got " + value.dump());
      return value;
    case ParamType::string:
      if (!value.is_string()) fail(where, spec, "must be a string, got " + value.dump());
      return value;
    case ParamType::image_file:
      if (!value.is_string() || value.get<std::string>().empty())
        fail(where, spec, "must be the path of an image file, got " + value.dump());
      return value;
    case ParamType::choice: {
      if (!value.is_string()) fail(where, spec, "must be one of " + join(spec.choices) + ", got " + value.dump());
      for (const auto& choice : spec.choices) {
        if (choice == value.get<std::string>()) return value;
      }
      fail(where, spec, "= " + value.dump() + " is not one of " + join(spec.choices));
    }
    case ParamType::color: {
      const auto color = value.is_string() ? parse_color(value.get<std::string>()) : std::nullopt;
      if (!color)
        fail(where, spec, "= " + value.dump() + " is not a colour (use #rrggbb, #rrggbbaa or a name like navy)");
      return color_to_hex(*color);
    }
    case ParamType::aspect: {
      const auto ratio = parse_aspect_ratio(value);
      if (!ratio)
        fail(where, spec,
             "= " + value.dump() + " is not an aspect ratio (use W:H such as 16:9, or a number such as 1.5)");
      return std::to_string(ratio->width) + ":" + std::to_string(ratio->height);
    }
    case ParamType::box: {
      if (!value.is_array() || value.size() != 4)
        fail(where, spec, "must be [x, y, w, h] as fractions of the image, got " + value.dump());
      for (const auto& item : value) {
        if (!item.is_number() || item.get<double>() < 0 || item.get<double>() > 1) {
          fail(where, spec, "values must be fractions between 0 and 1, got " + value.dump());
        }
      }
      if (value[2].get<double>() <= 0 || value[3].get<double>() <= 0) fail(where, spec, "width and height must be > 0");
      if (value[0].get<double>() + value[2].get<double>() > 1 + 1e-9 ||
          value[1].get<double>() + value[3].get<double>() > 1 + 1e-9) {
        fail(where, spec, "box " + value.dump() + " extends past the image");
      }
      return value;
    }
    case ParamType::quad: {
      if (!value.is_array() || value.size() != 8) {
        fail(where, spec,
             "must be [x1, y1, x2, y2, x3, y3, x4, y4] (top-left, top-right, bottom-right, bottom-left) as fractions "
             "of the image, got " +
                 value.dump());
      }
      for (const auto& item : value) {
        if (!item.is_number() || item.get<double>() < 0 || item.get<double>() > 1) {
          fail(where, spec, "values must be fractions between 0 and 1, got " + value.dump());
        }
      }
      std::vector<cv::Point2f> corners;
      for (std::size_t i = 0; i < 8; i += 2) corners.emplace_back(value[i].get<float>(), value[i + 1].get<float>());
      if (!cv::isContourConvex(corners) || cv::contourArea(corners) < 1e-6)
        fail(where, spec, "corners must form a convex quadrilateral, got " + value.dump());
      return value;
    }
  }
  fail(where, spec, "has an unknown type");
}

json param_spec_to_json(const ParamSpec& spec) {
  json out = {{"name", spec.name},
              {"type", param_type_name(spec.type)},
              {"description", spec.description},
              {"default", spec.default_value},
              {"required", spec.required}};
  if (spec.min) out["min"] = *spec.min;
  if (spec.max) out["max"] = *spec.max;
  if (!spec.choices.empty()) out["choices"] = spec.choices;
  if (!spec.unit.empty()) out["unit"] = spec.unit;
  return out;
}

ParamSpec make_param(const char* name, ParamType type, const char* description, json fallback,
                     std::optional<double> min, std::optional<double> max, const char* unit) {
  ParamSpec spec;
  spec.name = name;
  spec.type = type;
  spec.description = description;
  spec.default_value = std::move(fallback);
  spec.min = min;
  spec.max = max;
  spec.unit = unit;
  return spec;
}

ParamSpec make_choice(const char* name, const char* description, std::vector<std::string> choices,
                      const char* fallback) {
  ParamSpec spec = make_param(name, ParamType::choice, description, fallback);
  spec.choices = std::move(choices);
  return spec;
}

}  // namespace easel
