import { Type, type Static } from '@sinclair/typebox'
import { EmailSchema, IdempotencyKeySchema, IdSchema, NewPasswordSchema, PageSchema, PersonNameSchema, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { STAFF_ROLES } from '../auth/user.entity.js'

export const StaffRoleSchema = StringEnum(STAFF_ROLES)
export const StaffStatusSchema = StringEnum(['ACTIVE', 'DISABLED'] as const)

export const StaffSchema = Type.Object({
  id: IdSchema,
  email: Type.String(),
  name: Type.String(),
  role: StaffRoleSchema,
  status: StaffStatusSchema,
  mustChangePassword: Type.Boolean(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type Staff = Static<typeof StaffSchema>

export const StaffPageSchema = PageSchema(StaffSchema)

export const CreateStaffRequestSchema = Type.Object({
  email: EmailSchema,
  name: PersonNameSchema,
  role: StaffRoleSchema,
  password: Type.Optional(NewPasswordSchema)
}, { additionalProperties: false })
export type CreateStaffRequest = Static<typeof CreateStaffRequestSchema>

export const UpdateStaffRequestSchema = Type.Object({
  name: Type.Optional(PersonNameSchema),
  role: Type.Optional(StaffRoleSchema),
  status: Type.Optional(StaffStatusSchema)
}, { additionalProperties: false, minProperties: 1 })
export type UpdateStaffRequest = Static<typeof UpdateStaffRequestSchema>

export const CreateStaffHeadersSchema = Type.Object({
  'x-admin-bootstrap-token': Type.Optional(Type.String({ maxLength: 512 })),
  'idempotency-key': Type.Optional(IdempotencyKeySchema)
})
