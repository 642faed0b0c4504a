// generate.instruct: an instruction edit by an InstructPix2Pix model ("make it winter").
#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

OpOutput instruct(const Image& input, const Params& p, const RunContext& context) {
  GenerationRequest request = generation_request(p, GenerationMode::instruct, "generate.instruct", context);
  request.image = input;
  request.image_guidance = p.number("image_guidance");
  return {generate_one(request, "generate.instruct", context), std::nullopt};
}

}  // namespace

void register_generate_instruct(Registry& registry) {
  OperationSpec spec;
  spec.name = "generate.instruct";
  spec.description = "Edit the image (or a region of it) by an instruction with an InstructPix2Pix model";
  spec.params = {make_param("prompt", ParamType::string, "The instruction, e.g. \"make it look like winter\""),
                 make_param("image_guidance", ParamType::number,
                            "How closely to keep the input image (InstructPix2Pix image guidance)", 1.5, 0, 50)};
  spec.params.front().required = true;
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::all,   RegionKind::named,        RegionKind::box,   RegionKind::mask,
                  RegionKind::color, RegionKind::segmentation, RegionKind::object};
  spec.model = "diffusion:instruct";
  spec.run = instruct;
  registry.add(std::move(spec));
}

}  // namespace easel
