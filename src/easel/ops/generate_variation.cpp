// generate.variation: another take on the image — image-to-image of the whole picture from its own
// content (and an optional prompt), so composition and colours stay and details change. The server's
// /v1/images/variations runs it n times with seeds seed, seed+1, …
#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

OpOutput vary(const Image& input, const Params& p, const RunContext& context) {
  GenerationRequest request = generation_request(p, GenerationMode::image_to_image, "generate.variation", context);
  request.image = input;
  request.strength = p.number("strength");
  return {generate_one(request, "generate.variation", context), std::nullopt};
}

}  // namespace

void register_generate_variation(Registry& registry) {
  OperationSpec spec;
  spec.name = "generate.variation";
  spec.description = "Make a variation of the image: the same composition and colours, new details";
  spec.params = {
      make_param("prompt", ParamType::string, "What the variation should show (empty: the image itself guides it)", ""),
      make_param("strength", ParamType::number, "How far the variation may stray: 0.05 nearly a copy, 1 a new image",
                 0.6, 0.05, 1)};
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::all};
  spec.model = "diffusion";
  spec.run = vary;
  registry.add(std::move(spec));
}

}  // namespace easel
