// The mirror equals the store after faults, seed 2 (the scenario: convergence.ts).
import { describeConvergence } from './convergence.ts'

describeConvergence(2)
