#pragma once
// What the generative ops share: their common parameters, the request they build from them, and
// inpainting within a region. The engine they call is ops/generation_engine.hpp.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"
#include "easel/ops/generation_engine.hpp"
#include "easel/ops/param.hpp"
#include "easel/ops/registry.hpp"
#include "easel/ops/run_context.hpp"
#include "easel/ops/text_to_image.hpp"

namespace easel {

class Params;

// The parameters every generative op declares after its own: negative, model, seed, steps, cfg, sampler.
std::vector<ParamSpec> generation_params();
// Those parameters (and `prompt`) under their registry names, for text_to_image_request.
TextToImageSettings generation_settings(const Params& params);
// How a step asks: named `what` in errors, the context's default model, seed 0 when none is given (the
// edit flow gives each generative step a random seed first).
TextToImageDoor generation_door(const std::string& what, const RunContext& context);
// The run's progress, cancel and previews.
void add_run_controls(GenerationRequest& request, const RunContext& context);
// The request of a generative op in `mode`: its settings checked and completed as generate.image's
// (ops/text_to_image.hpp) with the run's controls. `what` names the op in errors.
GenerationRequest generation_request(const Params& params, GenerationMode mode, const std::string& what,
                                     const RunContext& context);

// The image a generative op returns from the engine's first result; the model, as the request names it,
// is added to the context's record.
Image generate_one(const GenerationRequest& request, const std::string& what, const RunContext& context);

// Inpaints where `weight` > 0 (CV_32F, the image's size): the region's bounding box plus a margin of
// context is cut out, brought to the model's working size (a smaller context is scaled up so that its
// longer side is `working_side`, 512 for SD1.x/SD-Turbo, 768 for SD2.x-768), inpainted with `request` (mode inpaint;
// prompt, model, seed … set by the caller), and put back. Pixels outside the context box are the input's; the executor
// then blends the result within `weight`, so everything outside the region stays bit-identical. Generative removal,
// background replacement, outpainting and text fill use this too. With SeamBlend::multiband the repainted context is
// not pasted but blended in band by band (multiband_blend, ops/seamless_blend.hpp) over where `weight` ≥ 0.5, so the
// colour and brightness differences of the generated pixels fade out over a band that grows with their scale.
enum class SeamBlend { feather, multiband };
Image inpaint_within(const Image& input, const cv::Mat& weight, GenerationRequest request, int working_side,
                     const std::string& what, const RunContext& run, SeamBlend blend = SeamBlend::feather);
// The `working_size` parameter of inpainting ops.
ParamSpec working_size_param();
// The `blend` parameter of inpainting ops (feather, multiband) and its value.
ParamSpec seam_blend_param();
SeamBlend seam_blend_of(const Params& params);
// Completes the declaration of an op that repaints a region from its prompt (object.add, object.replace):
// after the op's own parameters, working_size, blend and the generation parameters; every region kind
// an object can be named by; the inpainting model.
void declare_region_inpainting(OperationSpec& spec);

}  // namespace easel
