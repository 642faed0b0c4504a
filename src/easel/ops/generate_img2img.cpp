// generate.img2img: redraw the image from a prompt, keeping its composition (strength = how much changes).
#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

OpOutput redraw(const Image& input, const Params& p, const RunContext& context) {
  GenerationRequest request = generation_request(p, GenerationMode::image_to_image, "generate.img2img", context);
  request.image = input;
  request.strength = p.number("strength");
  return {generate_one(request, "generate.img2img", context), std::nullopt};
}

}  // namespace

void register_generate_img2img(Registry& registry) {
  OperationSpec spec;
  spec.name = "generate.img2img";
  spec.description = "Redraw the image (or a region of it) from a prompt, keeping its composition";
  spec.params = {make_param("prompt", ParamType::string, "What the result should show"),
                 make_param("strength", ParamType::number,
                            "How much to change: 0.05 keeps nearly everything, 1 redraws from noise", 0.6, 0.05, 1)};
  spec.params.front().required = true;
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::all,   RegionKind::named,        RegionKind::box,   RegionKind::mask,
                  RegionKind::color, RegionKind::segmentation, RegionKind::object};
  spec.model = "diffusion";
  spec.run = redraw;
  registry.add(std::move(spec));
}

}  // namespace easel
