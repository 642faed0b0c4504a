// generate.image: text-to-image; the result replaces the image (its size, unless width/height say otherwise).
#include <opencv2/imgproc.hpp>

#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

OpOutput generate_image(const Image& input, const Params& p, const RunContext& context) {
  const int width = p.has("width") ? static_cast<int>(p.integer("width")) : input.width();
  const int height = p.has("height") ? static_cast<int>(p.integer("height")) : input.height();
  TextToImageSettings settings = generation_settings(p);
  settings.size = cv::Size(width, height);
  GenerationRequest request = text_to_image_request(settings, generation_door("generate.image", context));
  add_run_controls(request, context);
  // Generated at the nearest size the model works at (text_to_image_request), then resampled to the
  // exact size asked for.
  Image generated = generate_one(request, "generate.image", context);
  if (generated.width() == width && generated.height() == height) return {std::move(generated), std::nullopt};
  cv::Mat resized;
  cv::resize(generated.mat(), resized, cv::Size(width, height), 0, 0,
             width < generated.width() ? cv::INTER_AREA : cv::INTER_CUBIC);
  return {Image(resized), std::nullopt};
}

}  // namespace

void register_generate_image(Registry& registry) {
  OperationSpec spec;
  spec.name = "generate.image";
  spec.description = "Generate a new image from a prompt (text-to-image), replacing the input";
  spec.params = {
      make_param("prompt", ParamType::string, "What to generate"),
      make_param("width", ParamType::integer, "Width of the result (default: the input's)", nullptr, 8, 8192, "px"),
      make_param("height", ParamType::integer, "Height of the result (default: the input's)", nullptr, 8, 8192, "px")};
  spec.params.front().required = true;
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::all};
  spec.model = "diffusion";
  spec.changes_canvas = true;
  spec.run = generate_image;
  registry.add(std::move(spec));
}

}  // namespace easel
