#pragma once
// The arithmetic floor the diffusion benchmarks report against: the fp32 rate of the UNet's commonest
// layer on this machine, measured in the same run as what it is compared with.

namespace easel::diffusion::bench {

// fp32 FLOP/s of a 3×3, 320→320 convolution on a 64×64 map: best of 5 after a warm-up.
double conv_rate();

}  // namespace easel::diffusion::bench
