#pragma once
// The samplers of the diffusion engine's scheduler (diffusion/scheduler.cpp implements each), by the
// names requests use. This table is the one list: the registry's `sampler` choices, `easel generate
// --sampler` and the Images API's `sampler` field all read it.
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace easel {

enum class SamplerKind { euler, euler_ancestral, dpmpp_2m, dpmpp_2m_karras, ddim, lcm };

struct SamplerEntry {
  SamplerKind kind;
  std::string_view name;
};

inline constexpr std::array<SamplerEntry, 6> kSamplers{{{SamplerKind::euler, "euler"},
                                                        {SamplerKind::euler_ancestral, "euler_a"},
                                                        {SamplerKind::dpmpp_2m, "dpmpp_2m"},
                                                        {SamplerKind::dpmpp_2m_karras, "dpmpp_2m_karras"},
                                                        {SamplerKind::ddim, "ddim"},
                                                        {SamplerKind::lcm, "lcm"}}};

inline std::vector<std::string> sampler_names() {
  std::vector<std::string> names;
  for (const auto& sampler : kSamplers) names.emplace_back(sampler.name);
  return names;
}

inline std::string_view sampler_name(SamplerKind kind) {
  for (const auto& sampler : kSamplers)
    if (sampler.kind == kind) return sampler.name;
  return "euler";
}

}  // namespace easel
