#pragma once
// How closely two PNGs the binary wrote agree, and the reference README's tolerance for seeded goldens
// (≤ 1 LSB on ≤ 0.5 % of values), for the tests that run `easel generate` and `easel edit`.
#include <filesystem>
#include <string>

namespace easel::diffusion::test {

struct PixelAgreement {
  int worst = 0;
  double differing_fraction = 0;
};

// Compares two images of the same size (a failure is recorded when either cannot be read or the sizes
// differ, and the worst agreement returned); prints the agreement.
PixelAgreement compare_pngs(const std::filesystem::path& ours, const std::filesystem::path& reference);

// `ours` against the seeded golden `golden_name` (goldens()/seeded/NAME.png), within the README's tolerance.
void expect_matches_golden(const std::filesystem::path& ours, const std::string& golden_name);

}  // namespace easel::diffusion::test
