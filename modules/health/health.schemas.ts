import { Type, type Static } from '@sinclair/typebox'

export const LivenessSchema = Type.Object({
  status: Type.Literal('ok')
}, { additionalProperties: false })
export type Liveness = Static<typeof LivenessSchema>

export const ReadinessSchema = Type.Object({
  status: Type.Literal('ok'),
  checks: Type.Object({ database: Type.Literal('up') }, { additionalProperties: false })
}, { additionalProperties: false })
export type Readiness = Static<typeof ReadinessSchema>
