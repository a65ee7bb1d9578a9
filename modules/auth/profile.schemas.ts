import { Type, type Static } from '@sinclair/typebox'
import { EmailSchema, IdSchema, Nullable, PersonNameSchema, PhoneSchema, TimestampSchema } from '../../openapi/shared.schemas.js'
import { PasswordInputSchema, RoleSchema } from './auth.schemas.js'

export const ProfileSchema = Type.Object({
  id: IdSchema,
  email: Type.String(),
  name: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  emailVerified: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type Profile = Static<typeof ProfileSchema>

export const UpdateProfileRequestSchema = Type.Object({
  name: Type.Optional(PersonNameSchema),
  phone: Type.Optional(Nullable(PhoneSchema))
}, { additionalProperties: false, minProperties: 1 })
export type UpdateProfileRequest = Static<typeof UpdateProfileRequestSchema>

export const EmailChangeRequestSchema = Type.Object({
  newEmail: EmailSchema,
  password: PasswordInputSchema
}, { additionalProperties: false })
