// generate.image: text-to-image; the result replaces the image (its size, unless width/height say otherwise).
#include <opencv2/imgproc.hpp>

#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

OpOutput generate_image(const Image& input, const Params& p, const RunContext& context) {
  GenerationRequest request = generation_request(p, GenerationMode::text_to_image, "generate.image", context);
  const int width = p.has("width") ? static_cast<int>(p.integer("width")) : input.width();
  const int height = p.has("height") ? static_cast<int>(p.integer("height")) : input.height();
  // The model works in multiples of 8 up to max_generation_side: generate at the nearest such size with
  // the same shape, then resample to the exact size asked for.
  const double shrink = std::min(1.0, static_cast<double>(max_generation_side) / std::max(width, height));
  request.width = std::max(8, static_cast<int>(std::lround(width * shrink / 8)) * 8);
  request.height = std::max(8, static_cast<int>(std::lround(height * shrink / 8)) * 8);
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
