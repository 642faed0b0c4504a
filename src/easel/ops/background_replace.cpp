// background.replace: put a colour, a gradient, a picture, a blurred copy or a generated scene (diffusion
// inpainting of the background from a prompt) behind the subject.
// The target (by default the "background" region, the complement of the segmented subject) says where
// the new background goes; the executor blends within it, so the subject's core stays bit-identical.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/ops/background_lens_blur.hpp"
#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

cv::Mat gradient_fill(cv::Size size, const cv::Scalar& from, const cv::Scalar& to, const std::string& direction) {
  cv::Mat position(size, CV_32F);
  const double diagonal = std::hypot(size.width, size.height);
  for (int y = 0; y < size.height; ++y) {
    auto* row = position.ptr<float>(y);
    for (int x = 0; x < size.width; ++x) {
      const double u = (x + 0.5) / size.width, v = (y + 0.5) / size.height;
      double t = v;
      if (direction == "horizontal") t = u;
      if (direction == "diagonal") t = (u + v) / 2;
      if (direction == "radial")
        t = std::hypot(x + 0.5 - size.width / 2.0, y + 0.5 - size.height / 2.0) / (diagonal / 2);
      row[x] = static_cast<float>(t);
    }
  }
  cv::Mat result(size, CV_8UC4);
  for (int y = 0; y < size.height; ++y) {
    const auto* t = position.ptr<float>(y);
    auto* out = result.ptr<cv::Vec4b>(y);
    for (int x = 0; x < size.width; ++x) {
      for (int c = 0; c < 3; ++c) out[x][c] = cv::saturate_cast<uchar>(from[c] + (to[c] - from[c]) * t[x]);
      out[x][3] = 255;
    }
  }
  return result;
}

// The picture scaled to cover the whole canvas, centred, the overflow cropped (CSS object-fit: cover).
cv::Mat picture_fill(cv::Size size, const std::string& path) {
  const cv::Mat picture = read_image_file(path, DecodeLimits{}).image.to_rgba8().mat();
  const double scale =
      std::max(static_cast<double>(size.width) / picture.cols, static_cast<double>(size.height) / picture.rows);
  const cv::Size scaled(std::max(size.width, static_cast<int>(std::ceil(picture.cols * scale))),
                        std::max(size.height, static_cast<int>(std::ceil(picture.rows * scale))));
  cv::Mat resized;
  cv::resize(picture, resized, scaled, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  const cv::Rect window((scaled.width - size.width) / 2, (scaled.height - size.height) / 2, size.width, size.height);
  cv::Mat result = resized(window).clone();
  result.forEach<cv::Vec4b>([](cv::Vec4b& pixel, const int*) { pixel[3] = 255; });
  return result;
}

OpOutput replace(const Image& input, const Params& p, const cv::Mat& background, const RunContext& context) {
  const cv::Mat image = input.to_rgba8().mat();
  const std::string fill = p.text("fill");
  cv::Mat result;
  if (fill == "color") {
    result = cv::Mat(image.size(), CV_8UC4, p.color("color"));
  } else if (fill == "gradient") {
    result = gradient_fill(image.size(), p.color("color"), p.color("to_color"), p.text("direction"));
  } else if (fill == "image") {
    result = picture_fill(image.size(), p.text("image"));
  } else if (fill == "generative") {
    GenerationRequest request =
        generation_request(p, GenerationMode::inpaint, "background.replace with fill generative", context);
    request.strength = 1.0;
    return {inpaint_within(input, background, std::move(request), static_cast<int>(p.integer("working_size")),
                           "background.replace", context, seam_blend_of(p)),
            std::nullopt};
  } else {
    result = lens_blur(image, background, lens_blur_radius(image.size(), p.number("strength")));
  }
  return {Image(result), std::nullopt};
}

void check(const Params& p, const std::string& where) {
  if (p.text("fill") == "image" && !p.has("image")) {
    throw Error(ErrorKind::plan, where + ": fill = image needs 'image', the file to put behind the subject");
  }
  if (p.text("fill") != "image" && p.has("image")) {
    throw Error(ErrorKind::plan, where + ": 'image' is only used with fill = image (fill is " + p.text("fill") + ")");
  }
  if (p.text("fill") == "generative" && p.text("prompt").empty()) {
    throw Error(ErrorKind::plan,
                where + ": fill = generative needs 'prompt', what the new background shows (e.g. \"a sunny beach\")");
  }
  if (p.text("fill") != "generative" && !p.text("prompt").empty()) {
    throw Error(ErrorKind::plan,
                where + ": 'prompt' is only used with fill = generative (fill is " + p.text("fill") + ")");
  }
}

}  // namespace

void register_background_replace(Registry& registry) {
  OperationSpec spec;
  spec.name = "background.replace";
  spec.description =
      "Replace the background behind the subject with a colour, a gradient, a picture, a lens blur or a generated "
      "scene";
  spec.params = {
      make_choice("fill", "What the new background is (generative: a scene from 'prompt', needs a model)",
                  {"color", "gradient", "image", "blur", "generative"}, "color"),
      make_param("color", ParamType::color, "Fill colour (fill = color) or the gradient's first colour", "#ffffffff"),
      make_param("to_color", ParamType::color, "The gradient's second colour", "#d0d0d0ff"),
      make_choice("direction",
                  "Gradient direction: top to bottom, left to right, top-left to bottom-right, centre outwards",
                  {"vertical", "horizontal", "diagonal", "radial"}, "vertical"),
      make_param("image", ParamType::image_file,
                 "Picture file for fill = image (PNG, JPEG or WebP), scaled to cover the canvas"),
      make_param("strength", ParamType::number, "Blur strength for fill = blur; 1 is a disc 4 % of the longer side",
                 0.5, 0.05, 1),
      make_param("prompt", ParamType::string, "fill = generative: the new background, e.g. \"a sunny beach\"", ""),
      working_size_param(),
      seam_blend_param(),
  };
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::segmentation, RegionKind::mask};
  spec.model = "segmentation";
  spec.run_in_region = replace;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
