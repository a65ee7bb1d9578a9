import { Type } from '@sinclair/typebox'
import { IdSchema, Nullable, StringEnum } from '../../openapi/shared.schemas.js'
import { ACTOR_ROLES } from './user.entity.js'

/** Who made a recorded change (components OrderActor), as the records of stock, orders and payments show it. */
export const ActorSchema = Type.Object({ role: StringEnum(ACTOR_ROLES), id: Nullable(IdSchema) }, { additionalProperties: false })
