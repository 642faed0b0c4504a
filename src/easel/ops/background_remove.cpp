// background.remove: make the background transparent. The op clears alpha everywhere; the executor
// blends within the target's weight, so the result's alpha is the refined subject alpha (soft along hair
// and edges, exactly opaque in the subject's core) and the colours are untouched. PNG and WebP keep it.
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

OpOutput remove(const Image& input, const Params&, const RunContext&) {
  cv::Mat result = input.to_rgba8().mat().clone();
  result.forEach<cv::Vec4b>([](cv::Vec4b& pixel, const int*) { pixel[3] = 0; });
  return {Image(result), std::nullopt};
}

}  // namespace

void register_background_remove(Registry& registry) {
  OperationSpec spec;
  spec.name = "background.remove";
  spec.description =
      "Make the background transparent, keeping the subject with a soft, refined edge (PNG or WebP output)";
  spec.regions = {RegionKind::segmentation, RegionKind::mask};
  spec.model = "segmentation";
  spec.run = remove;
  registry.add(std::move(spec));
}

}  // namespace easel
